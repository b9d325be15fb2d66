using System.Data;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Api.Supervision;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The counties report (rule 8, docs/reports.md): service records whose user is in one of the 26 mountain counties
/// (<c>userRegionCode</c>, the list in regions.json), summed per county and unit by the database for the year and the
/// same span of the year before; totals per county and overall summed from those sums.
/// </summary>
public static class Counties
{
    private sealed record Sums(string County, string UnitId, CountyFigures Current, CountyFigures Previous);

    public static async Task<CountiesReport> RunAsync(CatalogDbContext db, int year, DateOnly today, DateTime now, CancellationToken cancellationToken)
    {
        var from = new DateOnly(year, 1, 1);
        var to = new DateOnly(year, 12, 31) < today ? new DateOnly(year, 12, 31) : today;
        var (previousFrom, previousTo) = (from.AddYears(-1), to.AddYears(-1));
        var counties = Regions.Default.MountainCounties.OrderBy(c => c.Code, StringComparer.Ordinal).ToList();
        // Instants untyped: each provider binds a UTC DateTime as its columns hold it (SQLite text, PostgreSQL timestamptz).
        List<(string, object?, DbType?)> parameters =
        [
            ("from", BeijingTime.StartOf(from), null), ("to", BeijingTime.StartOf(to.AddDays(1)), null),
            ("prevFrom", BeijingTime.StartOf(previousFrom), null), ("prevTo", BeijingTime.StartOf(previousTo.AddDays(1)), null),
            ("voucher", WireNames<PaymentMethod>.ToWire(PaymentMethod.Voucher), DbType.String),
            .. counties.Select((c, i) => ($"c{i}", (object?)c.Code, (DbType?)DbType.String)),
        ];
        var sums = await ReportQuery.RunAsync(db, Sql(counties.Count), parameters, r => new Sums(r.GetString(0).Trim(), r.GetString(1).Trim(),
            Figures(r, 2), Figures(r, 7)), cancellationToken);

        var ids = sums.Select(s => s.UnitId).Distinct().ToList();
        var names = await db.Units.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id.Trim(), u => u.Name, cancellationToken);
        var lines = sums.OrderBy(s => s.County, StringComparer.Ordinal).ThenBy(s => s.UnitId, StringComparer.Ordinal)
            .Select(s => Line(s.County, s.UnitId, names.GetValueOrDefault(s.UnitId) ?? s.UnitId, s.Current, s.Previous)).ToList();
        var perCounty = counties.Select(c =>
        {
            var of = sums.Where(s => s.County == c.Code).ToList();
            return Line(c.Code, null, null, Add(of.Select(s => s.Current)), Add(of.Select(s => s.Previous)));
        }).ToList();
        var total = Line(null, null, null, Add(sums.Select(s => s.Current)), Add(sums.Select(s => s.Previous)));
        return new CountiesReport(year, from, to, previousFrom, previousTo, now, RulesUsed, total, perCounty, lines);
    }

    public static readonly IReadOnlyList<string> RulesUsed =
    [
        "rule 8: service to research bodies and enterprises of the 26 mountain counties (山区26县, the list in api/Data/Reference/regions.json)",
        "a record counts for a county when its userRegionCode is that county, in the period when it started (Beijing dates); the whole record counts",
        "income: the records' feeCny; vouchers: records paid by voucher (paymentMethod voucher with a voucherNo, as the voucher claims) and their voucherAmountCny",
        "year on year: against the same dates a year before (for the current year: 1 January to today); growth = (this − last) ÷ last, null when last is 0",
    ];

    private static CountyLine Line(string? county, string? unitId, string? unitName, CountyFigures current, CountyFigures previous)
    {
        var c = county is null ? null : Regions.Default.County(county);
        var change = new CountyFigures(current.Records - previous.Records, Math.Round(current.Hours - previous.Hours, 2), current.IncomeCny - previous.IncomeCny,
            current.VoucherServices - previous.VoucherServices, current.VoucherAmountCny - previous.VoucherAmountCny);
        var growth = new CountyGrowth(Growth(current.Records, previous.Records), Growth(current.Hours, previous.Hours),
            Growth((double)current.IncomeCny, (double)previous.IncomeCny), Growth(current.VoucherServices, previous.VoucherServices),
            Growth((double)current.VoucherAmountCny, (double)previous.VoucherAmountCny));
        return new CountyLine(county, c?.Name, county is null ? null : Regions.Default.CityOf(county)?.Name, unitId, unitName, current, previous, change, growth);
    }

    private static double? Growth(double current, double previous) => previous == 0 ? null : Math.Round((current - previous) / previous, 4);

    private static CountyFigures Add(IEnumerable<CountyFigures> figures) => figures.Aggregate(new CountyFigures(0, 0, 0.00m, 0, 0.00m),
        (a, b) => new CountyFigures(a.Records + b.Records, Math.Round(a.Hours + b.Hours, 2), a.IncomeCny + b.IncomeCny,
            a.VoucherServices + b.VoucherServices, a.VoucherAmountCny + b.VoucherAmountCny));

    private static CountyFigures Figures(System.Data.Common.DbDataReader r, int at) => new((int)ReportQuery.Long(r, at), ReportQuery.Hours(r, at + 1),
        Money.FromFen(ReportQuery.Long(r, at + 2)), (int)ReportQuery.Long(r, at + 3), Money.FromFen(ReportQuery.Long(r, at + 4)));

    /// <summary>One statement: per county and unit, the year's figures then the previous span's (money in fen).</summary>
    private static string Sql(int counties)
    {
        static string Sums(string when) => $"""
            SUM(CASE WHEN {when} THEN 1 ELSE 0 END), SUM(CASE WHEN {when} THEN r.hours ELSE 0.0 END),
            SUM(CASE WHEN {when} THEN r.fee_fen ELSE 0 END),
            SUM(CASE WHEN {when} AND r.payment_method = @voucher AND r.voucher_no IS NOT NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN {when} AND r.payment_method = @voucher AND r.voucher_no IS NOT NULL THEN COALESCE(r.voucher_amount_fen, 0) ELSE 0 END)
            """;
        return $"""
            SELECT r.user_region_code, r.unit_id,
                {Sums("r.started_at >= @from")},
                {Sums("r.started_at < @prevTo")}
            FROM service_records r
            WHERE r.user_region_code IN ({string.Join(", ", Enumerable.Range(0, counties).Select(i => $"@c{i}"))})
                AND ((r.started_at >= @from AND r.started_at < @to) OR (r.started_at >= @prevFrom AND r.started_at < @prevTo))
            GROUP BY r.user_region_code, r.unit_id
            """;
    }
}
