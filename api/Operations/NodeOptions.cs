using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.Api.Operations;

/// <summary>
/// The <c>Node</c> section: which node of the federation this is. Its code tags the node's items, cursors and replicas,
/// picks its province (push and import rules, the demo data) and makes its token audience (<c>dxyq-zj</c>).
/// </summary>
public sealed class NodeOptions
{
    /// <summary>This node's code (default <c>ZJ</c>; <c>SH</c>, <c>JS</c>, <c>AH</c> for the peers), trimmed and upper-cased.</summary>
    [Required(ErrorMessage = "Node:Code is required.")]
    [RegularExpression("^[A-Z]{2,8}$", ErrorMessage = "Node:Code must be 2 to 8 letters, e.g. ZJ.")]
    public string Code { get; set; } = "ZJ";

    /// <summary>Registers the section (<see cref="Settings.AddSettings{T}"/>) and returns its value; the first thing the host reads.</summary>
    public static NodeOptions Add(IHostApplicationBuilder builder)
    {
        var node = builder.AddSettings<NodeOptions>("Node", o => o.Code = o.Code?.Trim().ToUpperInvariant()!);
        builder.Properties[typeof(NodeOptions)] = node;
        return node;
    }

    /// <summary>The value <see cref="Add"/> registered, for what other registrations derive from it.</summary>
    public static NodeOptions Of(IHostApplicationBuilder builder) =>
        builder.Properties.TryGetValue(typeof(NodeOptions), out var node) ? (NodeOptions)node : Add(builder);
}
