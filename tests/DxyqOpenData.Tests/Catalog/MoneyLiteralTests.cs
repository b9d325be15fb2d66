using System.Globalization;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>
/// Money compared exactly whatever the literal's form: for every decimal property of every set, stored amounts drawn at
/// random (seeded) are written as plain, zero-padded and exponent literals and compared with every operator, in
/// <c>in (…)</c>, in an <c>$apply</c> filter and in a filter nested in <c>$expand</c>; what the node counts is compared
/// with the integer fen read by SQL and compared here. Paging ordered by each amount visits every row once (the skip
/// token holds the amount). Runs once per provider.
/// </summary>
public abstract class MoneyLiteralTests(NodeFactory node)
{
    private const int Seed = 20261206;

    private static readonly string[] Operators = ["eq", "ne", "lt", "le", "gt", "ge"];

    private sealed record Amounts(CatalogSet Set, IEdmStructuralProperty Property, List<(object Id, long? Fen)> Rows);

    private async Task<List<Amounts>> AmountsAsync()
    {
        var all = new List<Amounts>();
        foreach (var set in CatalogSet.All(node))
        {
            foreach (var property in set.Properties(t => t.IsDecimal()))
            {
                var rows = await node.RowsAsync($"SELECT {set.Column(set.Key)}, {set.Column(property)} FROM {set.Table} WHERE {set.Published}");
                all.Add(new Amounts(set, property, rows.Select(r => (r[0]!, r[1] is null ? (long?)null : Convert.ToInt64(r[1]))).ToList()));
            }
        }
        Assert.Contains(all, a => a.Set.Name == "Instruments" && a.Property.Name == "priceCny");
        Assert.True(all.Count >= 4, "every decimal property of every set: priceCny, two feeCny, voucherAmountCny");
        return all;
    }

    /// <summary>Plain (<c>471152.22</c>), zero-padded (<c>471152.220</c>) and exponent (<c>4.7115222E5</c>) forms of one amount.</summary>
    private static string[] Literals(long fen)
    {
        var plain = (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);
        var digits = Math.Abs(fen).ToString(CultureInfo.InvariantCulture);
        var exponent = digits.Length - 3;
        var mantissa = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
        return [plain, plain + "0", $"{(fen < 0 ? "-" : "")}{mantissa}E{exponent}"];
    }

    private static bool Holds(string op, long value, long pivot) => op switch
    {
        "eq" => value == pivot,
        "ne" => value != pivot,
        "lt" => value < pivot,
        "le" => value <= pivot,
        "gt" => value > pivot,
        _ => value >= pivot,
    };

    /// <summary>OData: a comparison with null is false, except <c>ne</c>.</summary>
    private static long Expected(IEnumerable<long?> values, string op, long pivot) =>
        values.Count(v => v is { } x ? Holds(op, x, pivot) : op == "ne");

    private static long Count(JsonObject page) => page["@odata.count"]!.GetValue<long>();

    [Fact]
    public async Task Every_amount_compares_exactly_with_every_operator_and_literal_form()
    {
        var admin = await CatalogSet.AdminAsync(node);
        var random = new Random(Seed);
        var failures = new List<string>();
        foreach (var amounts in await AmountsAsync())
        {
            var stored = amounts.Rows.Where(r => r.Fen is not null).Select(r => r.Fen!.Value).Distinct().Order().ToList();
            Assert.True(stored.Count > 3, $"{amounts.Set.Name}.{amounts.Property.Name} should hold amounts");
            foreach (var fen in Enumerable.Range(0, 4).Select(_ => stored[random.Next(stored.Count)]))
            {
                var literals = Literals(fen);
                foreach (var op in Operators)
                {
                    var literal = literals[random.Next(literals.Length)];
                    var url = $"/odata/{amounts.Set.Name}?$filter={amounts.Property.Name} {op} {literal}&$count=true&$top=0";
                    var expected = Expected(amounts.Rows.Select(r => r.Fen), op, fen);
                    var actual = Count(await admin.GetJsonAsync(url));
                    if (actual != expected)
                    {
                        failures.Add($"{url}: {actual}, expected {expected}");
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"seed {Seed}:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task Lists_apply_filters_and_nested_expand_filters_compare_amounts_exactly()
    {
        var admin = await CatalogSet.AdminAsync(node);
        var sets = CatalogSet.All(node);
        var random = new Random(Seed + 1);
        var failures = new List<string>();
        foreach (var amounts in await AmountsAsync())
        {
            var (set, property) = (amounts.Set, amounts.Property);
            var stored = amounts.Rows.Where(r => r.Fen is not null).Select(r => r.Fen!.Value).Distinct().ToList();
            var picked = Enumerable.Range(0, 3).Select(_ => stored[random.Next(stored.Count)]).ToList();
            var fen = picked[0];
            var literal = Literals(fen)[random.Next(3)];

            var list = string.Join(",", picked.Select(f => Literals(f)[random.Next(3)]));
            var inUrl = $"/odata/{set.Name}?$filter={property.Name} in ({list})&$count=true&$top=0";
            var inExpected = amounts.Rows.Count(r => r.Fen is { } f && picked.Contains(f));
            Check(inUrl, Count(await admin.GetJsonAsync(inUrl)), inExpected);

            var applyUrl = $"/odata/{set.Name}?$apply=filter({property.Name} eq {literal})/aggregate($count as n)";
            var applied = (await admin.GetJsonAsync(applyUrl)).Values().SingleOrDefault()?["n"]?.GetValue<long>() ?? 0;
            Check(applyUrl, applied, amounts.Rows.Count(r => r.Fen == fen));

            // The amount in a filter nested in the expansion of a parent's collection (a unit's instruments, an
            // instrument's offerings): the parent of a row holding it, and the rows of that parent holding it.
            foreach (var (parent, navigation) in sets.SelectMany(p => p.Type.NavigationProperties()
                .Where(n => n.TargetMultiplicity() == EdmMultiplicity.Many && n.ToEntityType() == set.Type).Select(n => (p, n))))
            {
                var foreignKey = parent.Entity.FindNavigation(char.ToUpperInvariant(navigation.Name[0]) + navigation.Name[1..])!.ForeignKey;
                var column = foreignKey.Properties.Single().GetColumnName();
                var owners = (await node.RowsAsync($"SELECT {column} FROM {set.Table} WHERE {set.Published} AND {set.Column(property)} = {fen} AND {column} IS NOT NULL"))
                    .Select(r => r[0]!.ToString()!.Trim()).ToList();
                if (owners.Count == 0)
                {
                    continue;
                }
                var ownerText = owners[random.Next(owners.Count)];
                var expected = owners.Count(o => string.Equals(o, ownerText, StringComparison.OrdinalIgnoreCase));
                var url = $"/odata/{parent.Name}?$filter={parent.Key.Name} eq {parent.KeyLiteral(ownerText)}&$select={parent.Key.Name}" +
                    $"&$expand={navigation.Name}($filter={property.Name} eq {literal};$count=true;$select={set.Key.Name})";
                var item = (await admin.GetJsonAsync(url)).Values().Single()!;
                Check(url, item[$"{navigation.Name}@odata.count"]!.GetValue<long>(), expected);
            }
        }
        Assert.True(failures.Count == 0, $"seed {Seed + 1}:\n" + string.Join("\n", failures));

        void Check(string url, long actual, long expected)
        {
            if (actual != expected)
            {
                failures.Add($"{url}: {actual}, expected {expected}");
            }
        }
    }

    [Fact]
    public async Task Paging_ordered_by_an_amount_visits_every_row_once()
    {
        var admin = await CatalogSet.AdminAsync(node);
        var failures = new List<string>();
        foreach (var amounts in await AmountsAsync())
        {
            foreach (var direction in new[] { "desc", "asc" })
            {
                var url = $"/odata/{amounts.Set.Name}?$orderby={amounts.Property.Name} {direction}&$select={amounts.Set.Key.Name}";
                var (items, _, _) = await admin.GetAllPagesAsync(url);
                var paged = items.Select(i => i[amounts.Set.Key.Name]!.ToString().ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();
                var expected = amounts.Rows.Select(r => r.Id.ToString()!.Trim().ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();
                if (!paged.SequenceEqual(expected))
                {
                    failures.Add($"{url}: {paged.Count} rows ({paged.Count - paged.Distinct().Count()} repeated), expected {expected.Count}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

public sealed class SqliteMoneyLiteralTests(SqliteNode node) : MoneyLiteralTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlMoneyLiteralTests(PostgreSqlNode node) : MoneyLiteralTests(node), IClassFixture<PostgreSqlNode>;
