using System.Globalization;
using Newtonsoft.Json.Linq;
using NJsonSchema.Validation;
using NJsonSchema.Validation.FormatValidators;

namespace DxyqOpenData.Schemas;

/// <summary>
/// RFC 3339 <c>date-time</c>, checked the way ajv-formats checks it: NJsonSchema's own check lets through times such
/// as 25:30 and days such as February 30. Leap seconds (:60) are refused: no clock here reports one.
/// </summary>
internal sealed class StrictDateTimeFormat : IFormatValidator
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public string Format => "date-time";

    public ValidationErrorKind ValidationErrorKind => ValidationErrorKind.DateTimeExpected;

    public bool IsValid(string value, JTokenType tokenType) =>
        tokenType != JTokenType.String || (CommonShapeVerdict(value) ?? Parsed(value));

    /// <summary>The definition: the two exact formats, with a zone (<c>Z</c> or an offset) required.</summary>
    internal static bool Parsed(string value) =>
        value.Length >= 20 && (value[^1] is 'Z' or 'z' || value[^6] is '+' or '-')
        && DateTimeOffset.TryParseExact(value, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>
    /// The verdict of <see cref="Parsed"/> without the culture-aware parser (a third of a push's validation time), for
    /// the shape nearly every document uses: <c>yyyy-MM-ddTHH:mm:ss</c>, an optional fraction of 1–7 digits, then
    /// <c>Z</c> or <c>±HH:mm</c>, ASCII digits, a year from 2 to 9998 and an offset under 14 hours (so the instant is
    /// always in range). Null for anything else, which <see cref="Parsed"/> decides. Tests hold the two equal.
    /// </summary>
    internal static bool? CommonShapeVerdict(ReadOnlySpan<char> v)
    {
        if (v.Length < 20 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':'
            || !Digits(v, 0, 4, out var year) || !Digits(v, 5, 2, out var month) || !Digits(v, 8, 2, out var day)
            || !Digits(v, 11, 2, out var hour) || !Digits(v, 14, 2, out var minute) || !Digits(v, 17, 2, out var second))
        {
            return null;
        }
        var i = 19;
        if (v[i] == '.')
        {
            var digits = 0;
            while (++i < v.Length && char.IsAsciiDigit(v[i]))
            {
                digits++;
            }
            if (digits is 0 or > 7)
            {
                return null;
            }
        }
        if (i == v.Length - 1 && v[i] == 'Z')
        {
            // UTC
        }
        else if (i == v.Length - 6 && v[i] is '+' or '-' && v[i + 3] == ':'
            && Digits(v, i + 1, 2, out var offsetHours) && Digits(v, i + 4, 2, out var offsetMinutes))
        {
            if (offsetHours > 13 || offsetMinutes > 59)
            {
                return null;
            }
        }
        else
        {
            return null;
        }
        if (year is < 2 or > 9998)
        {
            return null;
        }
        return month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            && hour <= 23 && minute <= 59 && second <= 59;
    }

    private static bool Digits(ReadOnlySpan<char> v, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(v[i]))
            {
                return false;
            }
            value = value * 10 + (v[i] - '0');
        }
        return true;
    }
}
