namespace DxyqOpenData.Api.Catalog;

/// <summary>The <c>OData</c> section.</summary>
public sealed class ODataSettings
{
    /// <summary>Plain entity-set pages take the lean path (<c>OData:LeanPages</c>, default on); see docs/odata.md.</summary>
    public bool LeanPages { get; set; } = true;
}
