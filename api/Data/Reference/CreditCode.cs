namespace DxyqOpenData.Api.Data.Reference;

/// <summary>统一社会信用代码 (GB 32100-2015): 18 characters, the last a mod-31 check character.</summary>
public static class CreditCode
{
    /// <summary>The 31 characters of the code, in value order (no I, O, Z, S, V).</summary>
    public const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    /// <summary>The check character for the first 17 characters.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        if (first17.Length != 17)
        {
            throw new ArgumentException("Expected 17 characters.", nameof(first17));
        }
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var value = Alphabet.IndexOf(first17[i]);
            if (value < 0)
            {
                throw new ArgumentException($"'{first17[i]}' is not a credit code character.", nameof(first17));
            }
            sum += value * Weights[i];
        }
        return Alphabet[(31 - sum % 31) % 31];
    }

    public static bool IsValid(string? code) =>
        code is { Length: 18 }
        && code.All(c => Alphabet.Contains(c))
        && CheckCharacter(code.AsSpan(0, 17)) == code[17];

    /// <summary>
    /// Builds a code from its parts: registration authority and organisation type (e.g. "12" public institution,
    /// "91" enterprise), the 6-digit region code and the 8-character body of the GB 11714 organisation code, whose own
    /// check character is computed too.
    /// </summary>
    public static string Create(string authorityAndType, string regionCode, string organisationBody)
    {
        var first17 = string.Concat(authorityAndType, regionCode, organisationBody, OrganisationCheck(organisationBody).ToString());
        return first17 + CheckCharacter(first17);
    }

    /// <summary>GB 11714 check character of an 8-character organisation code body.</summary>
    public static char OrganisationCheck(string body)
    {
        int[] weights = [3, 7, 9, 10, 5, 8, 4, 2];
        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            var c = body[i];
            sum += (char.IsDigit(c) ? c - '0' : c - 'A' + 10) * weights[i];
        }
        var check = 11 - sum % 11;
        return check switch { 10 => 'X', 11 => '0', _ => (char)('0' + check) };
    }
}
