using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace DxyqOpenData.Api.Data;

/// <summary>
/// Money is CNY with two decimals on the wire and integer fen in storage: every provider indexes, compares and
/// sums an integer exactly and natively, where SQLite would keep a decimal as text and need EF's own functions.
/// </summary>
public static class Money
{
    /// <summary>The largest amount stored: <see cref="long.MaxValue"/> fen.</summary>
    public static readonly decimal MaxCny = long.MaxValue / 100m;

    /// <summary>True when the amount, rounded to fen, fits the 64-bit integer it is stored in.</summary>
    public static bool CanStore(decimal cny) => Math.Abs(cny) <= MaxCny;

    public static long ToFen(decimal cny) => (long)decimal.Round(cny * 100m, 0, MidpointRounding.AwayFromZero);

    /// <summary>Fen to CNY with scale 2, so 300000 CNY serializes as 300000.00.</summary>
    public static decimal FromFen(long fen)
    {
        var negative = fen < 0;
        var magnitude = negative ? (ulong)-fen : (ulong)fen;
        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, negative, 2);
    }

    /// <summary>True when the amount has no more than two decimal places.</summary>
    public static bool HasAtMostTwoDecimals(decimal cny) => decimal.Round(cny, 2) == cny;
}

public sealed class FenConverter() : ValueConverter<decimal, long>(cny => Money.ToFen(cny), fen => Money.FromFen(fen));
