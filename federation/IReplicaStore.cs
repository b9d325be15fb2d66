namespace DxyqOpenData.Federation;

/// <summary>
/// The replica tables, implemented by the host (the library knows no database). <see cref="ApplyAsync"/> writes a page
/// and the cursor after it in one transaction: a crash between pages resumes from the last applied one, without loss or
/// duplicates. A row the host cannot store (wrong shape, value too long) is an <see cref="InvalidDataException"/>, and
/// nothing of the page is written.
/// </summary>
public interface IReplicaStore
{
    Task<ReplicaState?> GetAsync(string node, string set, CancellationToken cancellation);

    Task ApplyAsync(string node, string set, IReadOnlyList<FeedChange> changes, string cursor, DateTimeOffset? caughtUpAt, CancellationToken cancellation);

    Task<IReadOnlyList<ReplicaSetView>> ViewAsync(string node, DateTimeOffset now, CancellationToken cancellation);
}
