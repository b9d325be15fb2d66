namespace DxyqOpenData.Api.Push;

/// <summary>One kind's checks and writes for one batch (a new instance per request).</summary>
internal interface IPushHandler
{
    /// <summary>Reads the schema-valid items and checks what the schema cannot say, failing items in the batch.</summary>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>Writes the items still valid (inside the caller's transaction): how many rows were created and updated.</summary>
    Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken);
}
