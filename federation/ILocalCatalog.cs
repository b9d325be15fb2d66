using System.Text.Json.Nodes;

namespace DxyqOpenData.Federation;

/// <summary>
/// This node's public catalog as a federated query asks it, implemented by the host (the library knows no database):
/// one query over an entity set, with the options, limits and restricted properties <c>/odata</c> applies to an
/// anonymous client, answered per part — this node's own rows, or (replica mode) a peer's replica — each from its
/// position, in the order asked, nulls first. A query <c>/odata</c> would refuse is a <see cref="FederationQueryException"/>.
/// </summary>
public interface ILocalCatalog
{
    /// <param name="set">The entity set (Instruments, ServiceOfferings, Datasets).</param>
    /// <param name="options">The options every part shares: <c>$filter</c>, <c>$expand</c>, <c>$select</c>, <c>$orderby</c> (ending with the key).</param>
    /// <param name="request">The parts, and how many merged rows the round may consume (<see cref="UnionRequest.Consume"/>).</param>
    /// <returns>One answer per part, in the order of <see cref="UnionRequest.Parts"/>.</returns>
    Task<IReadOnlyList<CatalogPart>> QueryAsync(string set, IReadOnlyDictionary<string, string> options, UnionRequest request, CancellationToken cancellation);
}

/// <summary>
/// One part's answer: null <see cref="Count"/> when the part has no rows to give (a peer whose set was never harvested
/// to the end); its rows as <c>/odata</c> writes them.
/// </summary>
public sealed record CatalogPart(string Node, long? Count, IReadOnlyList<JsonObject> Rows, long? ReplicaAgeSeconds);

/// <summary>One part of a query of this node's catalog: its rows from <see cref="Skip"/> (in its own order), at most <see cref="Top"/>.</summary>
public sealed record UnionPart(string Node, long Skip, int Top);

/// <summary>
/// The parts of one round, and, when every node still in the query is a part of it (no rows buffered from an earlier
/// round), how many merged rows the round may consume (<see cref="Consume"/>): the host then returns of each part only
/// the rows the merge takes, plus the next one (so the merge never waits for more), not the whole window.
/// </summary>
public sealed record UnionRequest(IReadOnlyList<UnionPart> Parts, long? Consume);
