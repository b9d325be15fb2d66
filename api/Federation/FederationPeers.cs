using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Api.Federation;

/// <summary>This node's code and, per configured peer, its health and its replica.</summary>
public sealed record FederationPeers(string Node, IReadOnlyList<FederationPeer> Peers);
