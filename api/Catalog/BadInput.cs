using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Catalog;

/// <summary>A query the node refuses with a 400 naming what is wrong (<see cref="ODataErrors"/>).</summary>
internal sealed class QueryRejectedException(string message, string? target) : Exception(message)
{
    public string? Target { get; } = target;
}

/// <summary>
/// Bad input the OData library does not refuse in words of its own: it throws an exception that says nothing useful
/// (an <see cref="OverflowException"/> for a number no decimal can hold, a <see cref="NullReferenceException"/> for
/// <c>$expand=$ref</c>), or it accepts a query that cannot be answered (a division by zero). Each is turned into a
/// sentence naming the literal, property or option. See docs/odata.md, "Limits and errors".
/// </summary>
internal static partial class BadInput
{
    /// <summary>The options whose text holds expressions, in the order they are searched for a culprit.</summary>
    private static readonly string[] ExpressionOptions = ["$filter", "$apply", "$orderby", "$compute", "$expand", "$select"];

    /// <summary>
    /// Why a query failed while the library parsed or bound it, when the failure is the client's and its own message
    /// says nothing (null otherwise): a number out of range, <c>$ref</c> with no navigation, a parser that fell over.
    /// </summary>
    public static QueryRejectedException? Explain(Exception e, HttpRequest request) =>
        Explain(e, option => Raw(request, option), () => FailingOption(request));

    /// <summary>
    /// The same, with the query options' texts by name (<c>$filter</c>, …) and a way to find the option the parser
    /// fell over (null: none known).
    /// </summary>
    public static QueryRejectedException? Explain(Exception e, Func<string, string?> raw, Func<string?>? failing = null)
    {
        if (e is OverflowException)
        {
            return OutOfRange(raw);
        }
        // The parser fell over (no words of its own) when an option, parsed alone by the library's public parser, fails too.
        if (e is NullReferenceException && failing?.Invoke() is { } option)
        {
            if (option == "$expand" && raw("$expand") is { } expand && BareRef().IsMatch(expand))
            {
                return new QueryRejectedException(
                    "$ref in $expand must follow a navigation property, as in $expand=instruments/$ref, or */$ref for every navigation property.",
                    "$expand");
            }
            return new QueryRejectedException($"The query cannot be parsed: {option} is malformed.", option);
        }
        return null;
    }

    /// <summary>An <see cref="OverflowException"/> while binding: some numeric literal does not fit the type it meets.</summary>
    private static QueryRejectedException OutOfRange(Func<string, string?> raw)
    {
        foreach (var option in ExpressionOptions)
        {
            if (raw(option) is not { } text)
            {
                continue;
            }
            var masked = Masked(text);
            foreach (Match m in NumberLiteral().Matches(masked))
            {
                var literal = m.Value;
                if (FitsDecimal(literal))
                {
                    continue;
                }
                var property = PropertyNextTo(masked, m);
                var against = property is null ? "the number property it meets" : $"{property} (a decimal)";
                return new QueryRejectedException(
                    $"The number {literal} in {option} is out of range for {against}: a decimal holds at most ±79228162514264337593543950335, and INF, -INF and NaN are not decimals.",
                    option);
            }
        }
        return new QueryRejectedException(
            "A number in the query is out of range for the property it is compared or combined with (a decimal holds at most ±79228162514264337593543950335; INF, -INF and NaN are not decimals).",
            null);
    }

    private static bool FitsDecimal(string literal) =>
        decimal.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>The property on the other side of the operator next to a literal, if the text says.</summary>
    private static string? PropertyNextTo(string masked, Match literal)
    {
        var before = PropertyBefore().Match(masked[..literal.Index]);
        if (before.Success)
        {
            return before.Groups["property"].Value;
        }
        var after = PropertyAfter().Match(masked[(literal.Index + literal.Length)..]);
        return after.Success ? after.Groups["property"].Value : null;
    }

    /// <summary>The text with string literals and GUIDs blanked out (their digits are not numbers).</summary>
    private static string Masked(string text) =>
        Guid().Replace(StringLiteral().Replace(text, m => new string(' ', m.Length)), m => new string(' ', m.Length));

    /// <summary>
    /// The option the library's parser falls over: each expression option of the request parsed on its own with the
    /// library's public parser (<see cref="ODataQueryOptionParser"/>), with the route's services; the first that
    /// throws anything but a refusal in words (<see cref="ODataException"/>).
    /// </summary>
    private static string? FailingOption(HttpRequest request)
    {
        var feature = request.ODataFeature();
        var segment = feature.Path?.LastSegment;
        if (feature.Model is not { } model || segment?.EdmType is not { } edmType)
        {
            return null;
        }
        var type = edmType is IEdmCollectionType collection ? collection.ElementType.Definition : edmType;
        var source = segment switch
        {
            EntitySetSegment set => set.EntitySet,
            KeySegment key => key.NavigationSource,
            NavigationPropertySegment navigation => navigation.NavigationSource,
            _ => null,
        };
        foreach (var option in ExpressionOptions)
        {
            if (Raw(request, option) is not { } text)
            {
                continue;
            }
            var parser = new ODataQueryOptionParser(model, type, source, new Dictionary<string, string> { [option] = text }, request.GetRouteServices());
            try
            {
                _ = option switch
                {
                    "$filter" => parser.ParseFilter(),
                    "$orderby" => parser.ParseOrderBy(),
                    "$apply" => parser.ParseApply(),
                    "$compute" => parser.ParseCompute(),
                    _ => (object?)parser.ParseSelectAndExpand(),
                };
            }
            catch (ODataException)
            {
                // Refused in words: not the option that fell over.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return option;
            }
        }
        return null;
    }

    /// <summary>A query option's text as the client sent it (<c>$filter</c> or <c>filter</c>, any case), or null.</summary>
    internal static string? Raw(HttpRequest request, string option)
    {
        foreach (var (key, value) in request.Query)
        {
            if (string.Equals(key, option, StringComparison.OrdinalIgnoreCase) || string.Equals(key, option[1..], StringComparison.OrdinalIgnoreCase))
            {
                return value.ToString();
            }
        }
        return null;
    }

    [GeneratedRegex(@"'(?:[^']|'')*'?")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();

    [GeneratedRegex(@"(?<![\w.@$/])-?(?:\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|INF|NaN)[mMdDfFlL]?(?![\w.])")]
    private static partial Regex NumberLiteral();

    [GeneratedRegex(@"(?<property>[A-Za-z_][\w/]*)\s+(?:eq|ne|gt|ge|lt|le|add|sub|mul|div|divby|mod)\s+$")]
    private static partial Regex PropertyBefore();

    [GeneratedRegex(@"^\s+(?:eq|ne|gt|ge|lt|le|add|sub|mul|div|divby|mod)\s+(?<property>[A-Za-z_][\w/]*)")]
    private static partial Regex PropertyAfter();

    [GeneratedRegex(@"\b(?:div|divby|mod|has|substring)\b")]
    private static partial Regex SuspectOperator();

    /// <summary><c>$ref</c> as an item of its own (not <c>nav/$ref</c>).</summary>
    [GeneratedRegex(@"(?:^|[,(;=])\s*\$ref\b")]
    private static partial Regex BareRef();

    /// <summary>
    /// Refuses <c>$expand=nav/$count</c> at any depth: the library parses it but writes entity references, not a count.
    /// A count of related entities is <c>$expand=nav($count=true;$top=0)</c>, or <c>nav/$count</c> in <c>$filter</c>,
    /// <c>$orderby</c> or <c>$compute</c>.
    /// </summary>
    public static void RejectExpandedCount(SelectExpandClause? clause)
    {
        foreach (var item in clause?.SelectedItems ?? [])
        {
            switch (item)
            {
                case ExpandedCountSelectItem count:
                    var name = count.PathToNavigationProperty.LastSegment.Identifier;
                    throw new QueryRejectedException(
                        $"$expand={name}/$count is not supported: ask $expand={name}($count=true;$top=0) for the count alone, or use {name}/$count in $filter, $orderby or $compute.",
                        "$expand");
                case ExpandedNavigationSelectItem navigation:
                    RejectExpandedCount(navigation.SelectAndExpand);
                    break;
            }
        }
    }

    /// <summary>
    /// Refuses what the library parses but cannot answer, anywhere in the query ($filter, $orderby, $compute, $apply,
    /// and the options nested in $expand): a division or modulo by a literal zero (OData makes integer and decimal
    /// division by zero an error, PostgreSQL raises one for every type, SQLite answers null; the node answers 400 on
    /// every database), <c>has</c> on an enumeration that is not a flags enumeration (every one here: a value is
    /// one member, and the library's translation matched no row at all), and <c>substring</c> with a negative length
    /// (a bad request, OData says) or start (from the end, which OData leaves optional; it matched nothing).
    /// </summary>
    public static void RejectUnanswerable(ODataQueryOptions options)
    {
        var raw = options.RawValues;
        if (!new[] { raw.Filter, raw.OrderBy, raw.Compute, raw.Apply, raw.Expand }.Any(t => t is not null && SuspectOperator().IsMatch(t)))
        {
            return;
        }
        RejectUnanswerable([
            (options.Filter?.FilterClause, "$filter"),
            (options.OrderBy?.OrderByClause, "$orderby"),
            (options.Compute?.ComputeClause, "$compute"),
            (options.Apply?.ApplyClause, "$apply"),
            (options.SelectExpand?.SelectExpandClause, "$expand"),
        ]);
    }

    /// <summary>The same, over parsed clauses (each with the option it came from).</summary>
    public static void RejectUnanswerable(IReadOnlyList<(object? Clause, string Option)> clauses)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (clause, option) in clauses)
        {
            if (clause is not null && FindRefusal(clause, option, visited, depth: 0) is { } refusal)
            {
                throw new QueryRejectedException(refusal, option);
            }
        }
    }

    private static string? FindRefusal(object node, string option, HashSet<object> visited, int depth)
    {
        if (depth > 200 || !visited.Add(node))
        {
            return null;
        }
        if (Refusal(node, option) is { } refusal)
        {
            return refusal;
        }
        foreach (var child in Children(node))
        {
            if (FindRefusal(child, option, visited, depth + 1) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    /// <summary>Why one part of a parsed query cannot be answered, or null.</summary>
    private static string? Refusal(object node, string option) => node switch
    {
        BinaryOperatorNode { OperatorKind: BinaryOperatorKind.Divide or BinaryOperatorKind.Modulo } division when IsZero(division.Right) =>
            $"Division by zero in {option}: '{(division.OperatorKind == BinaryOperatorKind.Modulo ? "mod" : "div")} 0' has no value " +
            "(OData makes integer and decimal division by zero an error).",
        BinaryOperatorNode { OperatorKind: BinaryOperatorKind.Has } has when EnumOf(has) is { IsFlags: false } type =>
            $"'has' in {option} tests the flags of a flags enumeration, and {type.FullName()} is not one " +
            $"(a value is one member): compare with eq or in instead, as in {Example(has)}.",
        SingleValueFunctionCallNode { Name: "substring" } substring when substring.Parameters.Skip(1).OfType<SingleValueNode>().Any(IsNegative) =>
            $"substring in {option} has a negative start or length: a negative length is a bad request (OData), and a start counted " +
            "from the end is not supported here (for the last characters, use endswith).",
        _ => null,
    };

    /// <summary><c>status eq 'normal'</c> for <c>status has Dxyq.Catalog.InstrumentStatus'normal'</c>.</summary>
    private static string Example(BinaryOperatorNode has)
    {
        static SingleValueNode Unwrapped(SingleValueNode node) => node is ConvertNode convert ? Unwrapped(convert.Source) : node;
        var property = Unwrapped(has.Left) is SingleValuePropertyAccessNode access ? access.Property.Name : "property";
        var members = EnumOf(has)?.Members.ToList() ?? [];
        // The parser holds the member's value as a number ('4' for 'other').
        var member = Unwrapped(has.Right) is ConstantNode { Value: ODataEnumValue value }
            ? members.FirstOrDefault(m => m.Value.Value.ToString(CultureInfo.InvariantCulture) == value.Value || m.Name == value.Value)?.Name ?? value.Value
            : members.FirstOrDefault()?.Name;
        return $"{property} eq '{member}'";
    }

    private static IEdmEnumType? EnumOf(BinaryOperatorNode has) =>
        (has.Right.TypeReference?.Definition ?? has.Left.TypeReference?.Definition) as IEdmEnumType;

    private static bool IsNegative(SingleValueNode node) => node switch
    {
        ConvertNode convert => IsNegative(convert.Source),
        ConstantNode { Value: int i } => i < 0,
        ConstantNode { Value: long l } => l < 0,
        _ => false,
    };

    private static bool IsZero(SingleValueNode node) => node switch
    {
        ConvertNode convert => IsZero(convert.Source),
        UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Negate } negate => IsZero(negate.Operand),
        ConstantNode { Value: var value } => value switch
        {
            int i => i == 0,
            long l => l == 0,
            short s => s == 0,
            byte b => b == 0,
            sbyte sb => sb == 0,
            decimal d => d == 0,
            double x => x == 0,
            float f => f == 0,
            _ => false,
        },
        _ => false,
    };

    /// <summary>
    /// The parts of a parsed query (nodes, clauses, transformations, select items) below one part: its public
    /// properties and collections of types from the URI parser, nothing of the model.
    /// </summary>
    private static IEnumerable<object> Children(object node)
    {
        foreach (var property in Walkable.GetOrAdd(node.GetType(), static type => type
                     .GetProperties(BindingFlags.Instance | BindingFlags.Public)
                     .Where(p => p.GetIndexParameters().Length == 0 && (IsParserType(p.PropertyType) || IsParserCollection(p.PropertyType)))
                     .ToArray()))
        {
            object? value;
            try
            {
                value = property.GetValue(node);
            }
            catch (TargetInvocationException)
            {
                continue;
            }
            switch (value)
            {
                case null or string:
                    break;
                case IEnumerable items when value is not QueryNode:
                    foreach (var item in items)
                    {
                        if (item is not null && IsParserType(item.GetType()))
                        {
                            yield return item;
                        }
                    }
                    break;
                default:
                    if (IsParserType(value.GetType()))
                    {
                        yield return value;
                    }
                    break;
            }
        }
    }

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Walkable = new();

    private static bool IsParserType(Type type) =>
        type.Namespace?.StartsWith("Microsoft.OData.UriParser", StringComparison.Ordinal) == true && !type.IsEnum && !type.IsValueType;

    private static bool IsParserCollection(Type type) =>
        type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type)
        && (type.IsGenericType ? type.GetGenericArguments() : type.IsArray ? [type.GetElementType()!] : []).Any(IsParserType);
}
