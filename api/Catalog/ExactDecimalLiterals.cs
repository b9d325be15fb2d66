using System.Globalization;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// Money compared exactly, whatever the literal's form. The OData parser types a number without a suffix by its value
/// (<c>471152.22</c> becomes an <c>Edm.Single</c>, <c>4.7115222E5</c> an <c>Edm.Double</c>) and converts that binary
/// value when it meets an <c>Edm.Decimal</c>, so <c>priceCny eq 471152.22</c> compares with 471152.2 and finds nothing.
/// Here a binary number facing a decimal operand becomes the decimal its text says, in every expression the parser
/// binds (<c>$filter</c>, <c>$apply</c>, <c>$orderby</c>, <c>$compute</c>, options nested in <c>$expand</c>); a text no
/// decimal holds (<c>1e400</c>, <c>INF</c>) is left as it was, for <see cref="BadInput"/> to refuse. The library reads
/// the items of <c>in (…)</c> and a skip token's values as the property's type from their text already
/// (<c>MoneyLiteralTests</c> checks both).
/// </summary>
internal sealed class ExactDecimalLiterals : UnqualifiedODataUriResolver
{
    public override void PromoteBinaryOperandTypes(BinaryOperatorKind binaryOperatorKind, ref SingleValueNode leftNode, ref SingleValueNode rightNode, out IEdmTypeReference typeReference)
    {
        if (IsDecimal(leftNode) && AsDecimal(rightNode) is { } right)
        {
            rightNode = right;
        }
        else if (IsDecimal(rightNode) && AsDecimal(leftNode) is { } left)
        {
            leftNode = left;
        }
        base.PromoteBinaryOperandTypes(binaryOperatorKind, ref leftNode, ref rightNode, out typeReference);
    }

    private static bool IsDecimal(SingleValueNode node) => node.TypeReference?.IsDecimal() == true;

    /// <summary>A binary-number literal as the decimal its text says, or null (not such a literal, or no decimal holds it).</summary>
    private static ConstantNode? AsDecimal(SingleValueNode node) =>
        node is ConstantNode { Value: float or double, LiteralText: { } text } && Parse(text) is { } value
            ? new ConstantNode(value, text, EdmCoreModel.Instance.GetDecimal(isNullable: false))
            : null;

    /// <summary>The decimal a number's text says (an OData type suffix <c>d</c>/<c>f</c> dropped), or null.</summary>
    private static decimal? Parse(string text)
    {
        var digits = text.Length > 1 && text[^1] is 'd' or 'D' or 'f' or 'F' ? text[..^1] : text;
        return decimal.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
