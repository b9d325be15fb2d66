using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Api.Security;

namespace DxyqOpenData.Api.Imports;

/// <summary>One schema-valid document to write, with the index its caller reports it by (an import's row number).</summary>
public sealed record DocumentItem(int Index, JsonObject Document);

/// <summary>A document refused after the schema: the field (JSON property) at fault, or null for the document as a whole.</summary>
public sealed record ItemRejection(int Index, string? Field, string Reason);

/// <summary>
/// The write step of an import: the push API's own checks and upsert for the kind (<see cref="PushWrite"/>, each
/// kind's push handler, e.g. <c>api/Instruments/InstrumentPushHandler.cs</c>), so an imported row and a pushed item are bound to the unit, resolved
/// and written the same way. Every kind with a push API can be imported.
/// </summary>
public static class UnitDocumentWrite
{
    /// <summary>Whether <paramref name="kind"/> has a write path (every push kind).</summary>
    public static bool CanWrite(string kind) => PushWrite.Find(kind) is not null;

    /// <summary>
    /// The scope each kind needs: service records <c>records.write</c>, the catalog kinds <c>catalog.write</c>, the
    /// registry of units <c>admin</c>.
    /// </summary>
    public static string ScopeFor(string kind) => kind switch
    {
        "service-records" => Scopes.RecordsWrite,
        Registry => Scopes.Admin,
        _ => Scopes.CatalogWrite,
    };

    /// <summary>The kind that is the node's registry rather than a unit's data: imported by administrators, bound to no unit.</summary>
    public const string Registry = "units";

    /// <summary>
    /// Checks and upserts <paramref name="items"/> of <paramref name="kind"/> for <paramref name="unitId"/> (null for
    /// the registry of units) in one
    /// transaction: the accepted ones are all written or, if the database refuses, none is. Returns the rejected ones,
    /// one entry per failing field, by the caller's index.
    /// </summary>
    public static async Task<IReadOnlyList<ItemRejection>> WriteAsync(CatalogDbContext db, string kind, string? unitId, Province? nodeProvince,
        IReadOnlyList<DocumentItem> items, CancellationToken cancellationToken)
    {
        var pushKind = PushWrite.Find(kind) ?? throw new ArgumentException($"no write path for {kind}", nameof(kind));
        if (items.Count == 0)
        {
            return [];
        }
        var elements = items.Select(i => JsonSerializer.SerializeToElement(i.Document)).ToList();
        var (rejected, _, _) = await PushWrite.CheckAndWriteAsync(db, pushKind, unitId, nodeProvince, elements, cancellationToken);
        return [.. rejected.SelectMany(r => r.Errors.Select(e => new ItemRejection(items[r.Index].Index, FieldOf(e.Path), RuleMessages.Bilingual(e.Message))))];
    }

    /// <summary>The top-level property a JSON Pointer names (<c>/instrumentInnerId</c> → <c>instrumentInnerId</c>), or null for the item.</summary>
    private static string? FieldOf(string pointer)
    {
        var field = pointer.TrimStart('/').Split('/')[0].Replace("~1", "/").Replace("~0", "~");
        return field.Length == 0 ? null : field;
    }
}
