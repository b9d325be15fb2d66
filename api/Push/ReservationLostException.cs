namespace DxyqOpenData.Api.Push;

/// <summary>A push that ran past its Idempotency-Key's reservation, which another request took: its transaction is rolled back.</summary>
internal sealed class ReservationLostException() : Exception("The Idempotency-Key reservation ran out and was taken by another request.");
