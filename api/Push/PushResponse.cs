using System.Data.Common;

namespace DxyqOpenData.Api.Push;

/// <summary>An answer ready to send, and to store for an Idempotency-Key replay.</summary>
public sealed record PushResponse(int Status, string ContentType, byte[] Body, IReadOnlyDictionary<string, string> Headers);
