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
        tokenType != JTokenType.String
        || (value.Length >= 20 && (value[^1] is 'Z' or 'z' || value[^6] is '+' or '-')
            && DateTimeOffset.TryParseExact(value, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
}
