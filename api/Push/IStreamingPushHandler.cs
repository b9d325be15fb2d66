namespace DxyqOpenData.Api.Push;

/// <summary>
/// A kind whose items a push checks and writes chunk by chunk inside one transaction: the new rows of a chunk go to the
/// database (PostgreSQL's COPY, SQLite's prepared INSERT) while the next chunk is validated, so both cores (and the
/// database server) work at once. Any invalid item without continue-on-error rolls the whole transaction back.
/// </summary>
internal interface IStreamingPushHandler : IPushHandler, IAsyncDisposable
{
    /// <summary>Loads what the rules need, by the keys and references as the items name them (before they are validated).</summary>
    Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Reads schema-valid item <paramref name="index"/> into its document (thread-safe per item), or fails it.</summary>
    void Read(int index);

    /// <summary>Checks the read items in [<paramref name="from"/>, <paramref name="to"/>), in order, after <see cref="LoadAsync"/>.</summary>
    void Check(int from, int to);

    /// <summary>Opens the row writer inside the caller's transaction.</summary>
    Task BeginWriteAsync(CancellationToken cancellationToken);

    /// <summary>Writes the new rows of the still-valid items in [<paramref name="from"/>, <paramref name="to"/>) and hands them to the database.</summary>
    Task WriteNewAsync(int from, int to, CancellationToken cancellationToken);

    /// <summary>Completes the new rows and updates the existing ones: how many rows were created and updated.</summary>
    Task<(int Created, int Updated)> CompleteWriteAsync(CancellationToken cancellationToken);
}
