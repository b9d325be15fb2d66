using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestCollectionOrderer("DxyqOpenData.Tests.Infrastructure.SharedCollectionsFirst", "DxyqOpenData.Tests")]

namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>
/// Starts the collections declared with <c>[CollectionDefinition]</c> (the clusters, whose classes run one after another
/// and wait out the jobs' intervals: the longest in the run) before the one-class collections, which keep the runner's
/// own order. A long collection started last would leave the other threads idle at the end of the run.
/// </summary>
public sealed class SharedCollectionsFirst : ITestCollectionOrderer
{
    private readonly DefaultTestCollectionOrderer _default = new();

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        _default.OrderTestCollections(testCollections).OrderBy(c => c.CollectionDefinition is null);
}
