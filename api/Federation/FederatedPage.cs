using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// A page of a federated query (documentation of the JSON <c>/federation/odata/{set}</c> answers; the node writes it
/// from the merge): the OData collection shape, each item tagged with its <c>node</c>, and where each part came from.
/// </summary>
public sealed record FederatedPage(
    [property: JsonPropertyName("@odata.count"), Description("Summed over the nodes whose status is ok (with $count=true).")] long? Count,
    [property: Description("Where each node's part came from: status, milliseconds, its count.")] IReadOnlyList<FederatedSource> Sources,
    [property: Description("The merged items, in the asked order: the entity set's properties (contact fields withheld) and `node`, the region code of the node that holds the item.")] IReadOnlyList<Dictionary<string, object?>> Value,
    [property: JsonPropertyName("@odata.nextLink"), Description("The next page: an opaque, signed link that carries each node's position.")] string? NextLink);

/// <summary>One node's part of a federated answer.</summary>
public sealed record FederatedSource(
    [property: Description("The node's region code (ZJ, SH, JS, AH, …).")] string Node,
    [property: Description("ok | timeout | error | circuit-open | unauthorized; in replica mode ok | no-replica | error | timeout.")] string Status,
    [property: Description("How long the node's part took, in milliseconds.")] long Ms,
    [property: Description("The node's @odata.count when its status is ok and $count=true.")] long? Count,
    [property: Description("Why the node's part is missing, in a few words.")] string? Error,
    [property: Description("Replica mode only: seconds since the peer's replica was last harvested (null for this node).")] long? ReplicaAgeSeconds);

/// <summary>The outcome of <c>POST /federation/harvest</c> for one peer.</summary>
public sealed record HarvestResult(string Node, string Status, DateTimeOffset? LastSuccessAt, string? Error, long? Ms, long Changes);
