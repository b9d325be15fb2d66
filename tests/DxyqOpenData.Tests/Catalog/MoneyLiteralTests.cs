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

    /// <summary>Whether a binary float misses the amount (471152.22 is 471152.21875 as a float): where precision is lost.</summary>
    private static bool FloatMisses(long fen) => (decimal)(float)(fen / 100m) != fen / 100m;

    /// <summary>
    /// <paramref name="count"/> amounts at random: half of them among the stored ones a float misses, the others among
    /// all stored ones, and a neighbour (one fen off) of each, stored or not.
    /// </summary>
    private static List<long> Picks(IReadOnlyList<long> stored, Random random, int count)
    {
        var missed = stored.Where(FloatMisses).ToList();
        var picks = Enumerable.Range(0, count)
            .Select(i => i % 2 == 0 && missed.Count > 0 ? missed[random.Next(missed.Count)] : stored[random.Next(stored.Count)]).ToList();
        return [.. picks, .. picks.Select(f => f + (random.Next(2) == 0 ? 1 : -1))];
    }

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
            foreach (var fen in Picks(stored, random, 4))
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
            var picked = Picks(stored, random, 2);
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

    /// <summary>
    /// Paging ordered by each amount, both ways, over the whole set and from a start chosen so that a page ends on an
    /// amount a float misses (random among them): the next page starts from the amount in the skip token.
    /// </summary>
    [Fact]
    public async Task Paging_ordered_by_an_amount_visits_every_row_once()
    {
        var admin = await CatalogSet.AdminAsync(node);
        var random = new Random(Seed + 2);
        var failures = new List<string>();
        var boundaries = 0;
        foreach (var amounts in await AmountsAsync())
        {
            var (set, property) = (amounts.Set, amounts.Property);
            var rows = amounts.Rows.Where(r => r.Fen is not null).Select(r => (Id: r.Id.ToString()!.Trim().ToUpperInvariant(), Fen: r.Fen!.Value)).ToList();
            foreach (var descending in new[] { true, false })
            {
                var url = $"/odata/{set.Name}?$orderby={property.Name} {(descending ? "desc" : "asc")}&$select={set.Key.Name}";
                await Check(url, amounts.Rows.Select(r => r.Id.ToString()!.Trim().ToUpperInvariant()));
                // In the node's order (amount, then key), the amounts a float misses that end a page of 100 rows when
                // the pages start at an amount 99 rows before them.
                var ordered = (descending ? rows.OrderByDescending(r => r.Fen) : rows.OrderBy(r => r.Fen)).ThenBy(r => r.Id, StringComparer.OrdinalIgnoreCase).ToList();
                var ends = Enumerable.Range(99, Math.Max(0, ordered.Count - 100)).Where(i => FloatMisses(ordered[i].Fen) && ordered[i].Fen != ordered[i + 1].Fen
                    && ordered.FindIndex(r => r.Fen == ordered[i - 99].Fen) == i - 99).ToList();
                foreach (var end in ends.OrderBy(_ => random.Next()).Take(3))
                {
                    boundaries++;
                    var start = ordered[end - 99].Fen;
                    var from = $"{(descending ? "le" : "ge")} {Literals(start)[0]}";
                    await Check($"{url}&$filter={property.Name} {from}",
                        rows.Where(r => descending ? r.Fen <= start : r.Fen >= start).Select(r => r.Id));
                }
            }
        }
        Assert.True(boundaries > 0, "no page ended on an amount a float misses: the skip token's amount went untested");
        Assert.True(failures.Count == 0, $"seed {Seed + 2}:\n" + string.Join("\n", failures));

        // The pages select the key only.
        async Task Check(string url, IEnumerable<string> ids)
        {
            var (items, _, _) = await admin.GetAllPagesAsync(url);
            var paged = items.Select(i => i.First(p => !p.Key.StartsWith('@')).Value!.ToString().ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();
            var expected = ids.Order(StringComparer.Ordinal).ToList();
            if (!paged.SequenceEqual(expected))
            {
                failures.Add($"{url}: {paged.Count} rows ({paged.Count - paged.Distinct().Count()} repeated), expected {expected.Count}");
            }
        }
    }

    /// <summary>
    /// Arithmetic on an amount is computed in yuan: generated expressions (add, sub, mul, div, mod and minus with integer
    /// and decimal operands, the amount with itself, compound ones) in <c>$filter</c>, counted against a pivot, and in
    /// <c>$compute</c>, read back; both checked against the same expression worked out here in <see cref="decimal"/> from the
    /// integer fen read by SQL. (Before, a literal beside an amount was taken as fen: <c>priceCny div 10000 gt 50</c> found
    /// nothing.)
    /// </summary>
    [Fact]
    public async Task Arithmetic_on_an_amount_is_computed_in_yuan()
    {
        var admin = await CatalogSet.AdminAsync(node);
        var random = new Random(Seed + 3);
        var failures = new List<string>();
        var checkedRows = 0;
        foreach (var amounts in await AmountsAsync())
        {
            var (set, property) = (amounts.Set, amounts.Property);
            var name = property.Name;
            var rows = amounts.Rows.Select(r => (Id: r.Id.ToString()!.Trim().ToUpperInvariant(), Yuan: r.Fen / 100m)).ToList();
            foreach (var (text, compute) in Expressions(name, random))
            {
                // $filter: against the value of a row picked at random, rounded to 6 places (a quotient may not end).
                var pivotRow = rows.Where(r => r.Yuan is not null).ElementAt(random.Next(rows.Count(r => r.Yuan is not null)));
                var pivot = decimal.Round(compute(pivotRow.Yuan!.Value), 6);
                foreach (var op in new[] { random.Next(2) == 0 ? "gt" : "le" })
                {
                    var url = $"/odata/{set.Name}?$filter={text} {op} {pivot.ToString(CultureInfo.InvariantCulture)}&$count=true&$top=0";
                    var expected = rows.Count(r => r.Yuan is { } y && (op == "gt" ? compute(y) > pivot : compute(y) <= pivot));
                    var actual = Count(await admin.GetJsonAsync(url));
                    if (actual != expected)
                    {
                        failures.Add($"{url}: {actual}, expected {expected}");
                    }
                }

                // $compute: the values of a page of rows at a random offset.
                var computeUrl = $"/odata/{set.Name}?$compute={text} as v&$select={set.Key.Name},v&$orderby={set.Key.Name}&$top=40&$skip={random.Next(Math.Max(1, rows.Count - 40))}";
                var byId = rows.ToDictionary(r => r.Id);
                foreach (var item in (await admin.GetJsonAsync(computeUrl)).Values())
                {
                    checkedRows++;
                    var id = item![set.Key.Name]!.ToString().Trim().ToUpperInvariant();
                    var value = item["v"]?.GetValue<decimal>();
                    var expected = byId[id].Yuan is { } y ? compute(y) : (decimal?)null;
                    if (expected is null ? value is not null : value is null || Math.Abs(value.Value - expected.Value) > 0.000001m)
                    {
                        failures.Add($"{computeUrl}: {id} has v = {value?.ToString(CultureInfo.InvariantCulture) ?? "null"}, expected {expected?.ToString(CultureInfo.InvariantCulture) ?? "null"}");
                    }
                }
            }
        }
        Assert.True(checkedRows > 100, $"only {checkedRows} computed values were read");
        Assert.True(failures.Count == 0, $"seed {Seed + 3}:\n" + string.Join("\n", failures.Take(40)));
    }

    /// <summary>
    /// <c>$apply</c> aggregates of every amount, over the set and per unit: sum, min and max exact to the fen, the average
    /// to 10⁻⁹ CNY, checked against the integer fen read by SQL and worked out here. (The average of amounts was taken
    /// over the stored fen and read back as whole fen: 1,765,357.6871… came back as 1,765,357.68.)
    /// </summary>
    [Fact]
    public async Task Aggregates_of_an_amount_are_exact_and_the_average_keeps_its_fraction()
    {
        var admin = await CatalogSet.AdminAsync(node);
        var failures = new List<string>();
        var (groups, fractional) = (0, 0);
        foreach (var amounts in await AmountsAsync())
        {
            var (set, property) = (amounts.Set, amounts.Property);
            var unit = set.Type.FindProperty("unitId");
            var rows = await node.RowsAsync(
                $"SELECT {(unit is null ? "'all'" : set.Column(unit))}, {set.Column(property)} FROM {set.Table} WHERE {set.Published} AND {set.Column(property)} IS NOT NULL");
            var expected = rows.GroupBy(r => r[0]!.ToString()!.Trim()).ToDictionary(g => g.Key, g => g.Select(r => Convert.ToInt64(r[1])).ToList());
            var aggregate = $"aggregate({property.Name} with average as a,{property.Name} with sum as s,{property.Name} with min as lo,{property.Name} with max as hi)";
            var url = $"/odata/{set.Name}?$apply=" + (unit is null ? aggregate : $"groupby((unitId),{aggregate})");
            foreach (var item in (await admin.GetJsonAsync(url)).Values().Select(v => v!.AsObject()))
            {
                var key = unit is null ? "all" : item["unitId"]!.GetValue<string>();
                if (!expected.TryGetValue(key, out var fens))
                {
                    continue; // a unit whose amounts are all null: no average
                }
                groups++;
                var average = fens.Sum() / 100m / fens.Count;
                fractional += average != decimal.Round(average, 2) ? 1 : 0;
                var (a, sum, lo, hi) = (item["a"]!.GetValue<decimal>(), item["s"]!.GetValue<decimal>(), item["lo"]!.GetValue<decimal>(), item["hi"]!.GetValue<decimal>());
                if (Math.Abs(a - average) > 0.000000001m || sum != fens.Sum() / 100m || lo != fens.Min() / 100m || hi != fens.Max() / 100m)
                {
                    failures.Add($"{url} [{key}]: average {a}, sum {sum}, min {lo}, max {hi}; expected {average}, {fens.Sum() / 100m}, {fens.Min() / 100m}, {fens.Max() / 100m}");
                }
            }
        }
        Assert.True(groups > 20 && fractional > 10, $"{groups} groups, {fractional} averages with a fraction of a fen");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
    }

    /// <summary>Generated arithmetic on the amount <paramref name="p"/>: the OData text and the same in decimal.</summary>
    private static IEnumerable<(string Text, Func<decimal, decimal> Compute)> Expressions(string p, Random random)
    {
        static string L(decimal d) => d.ToString(CultureInfo.InvariantCulture);
        decimal Operand() => random.Next(3) switch
        {
            0 => new[] { 1m, 2m, 3m, 7m, 100m, 10000m }[random.Next(6)],
            1 => new[] { 0.5m, 1.25m, 0.0001m, 0.07m }[random.Next(4)],
            _ => Math.Round((decimal)random.NextDouble() * 1000m, random.Next(0, 4)) + 0.01m,
        };
        var (a, b, c, d, e) = (Operand(), Operand(), Operand(), Operand(), Operand());
        yield return ($"{p} add {L(a)}", y => y + a);
        yield return ($"{p} sub {L(b)}", y => y - b);
        yield return ($"{p} mul {L(c)}", y => y * c);
        yield return ($"{p} div {L(d)}", y => y / d);
        yield return ($"{p} mod {L(e)}", y => y % e);
        yield return ($"({p} mul {L(a)}) add ({p} div {L(b)})", y => y * a + y / b);
        (string, Func<decimal, decimal>)[] withItself = [($"-{p}", y => -y), ($"{p} add {p}", y => y + y), ($"{p} mul {p} div 10000", y => y * y / 10000m)];
        yield return withItself[random.Next(withItself.Length)];
    }
}

public sealed class SqliteMoneyLiteralTests(SqliteNode node) : MoneyLiteralTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlMoneyLiteralTests(PostgreSqlNode node) : MoneyLiteralTests(node), IClassFixture<PostgreSqlNode>;
