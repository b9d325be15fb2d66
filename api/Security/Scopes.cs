namespace DxyqOpenData.Api.Security;

/// <summary>The contract's OAuth 2.0 scopes. A client is registered with some of them (<c>clients add --scopes</c>).</summary>
public static class Scopes
{
    public const string CatalogWrite = "catalog.write";
    public const string RecordsWrite = "records.write";
    public const string RecordsRead = "records.read";
    public const string Federation = "federation";
    public const string Vouchers = "vouchers";
    public const string Admin = "admin";

    /// <summary>In the contract's order.</summary>
    public static readonly IReadOnlyList<string> All = [CatalogWrite, RecordsWrite, RecordsRead, Federation, Vouchers, Admin];
}
