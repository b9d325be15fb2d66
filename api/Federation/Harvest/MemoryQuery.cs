using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.AspNetCore.OData.Edm;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Federation.Harvest;

/// <summary>
/// A replica-mode part's <c>$filter</c> and <c>$orderby</c> run over rows held in memory (<see cref="ReplicaSnapshots"/>)
/// instead of in SQL: the library's own filter expression — the very tree EF would translate — compiled to a delegate,
/// and the stable order compared property by property. Only where .NET gives exactly what the database gives:
/// <list type="bullet">
/// <item>the filter may use the set's scalar properties, literals, <c>and</c>/<c>or</c>/<c>not</c>, <c>eq</c>/<c>ne</c>
/// on any of them (strings compare ordinally in both; an enumeration's number, as the library binds it, is its member,
/// as EF compares it), <c>lt</c>/<c>le</c>/<c>gt</c>/<c>ge</c> on numbers, dates, instants and booleans, <c>in</c> and
/// <c>eq null</c>. EF keeps C#'s null semantics in SQL, so nulls answer the same.</item>
/// <item>Not in memory, so in SQL as before: string functions and string or enum ordering (collations, enums stored as
/// their names), arithmetic (division by zero), navigation, lambdas, date parts, money literals with fractions of a fen
/// (stored rounded) and instants finer than a microsecond (PostgreSQL keeps microseconds).</item>
/// <item>The order: numbers, dates, instants, booleans and the key (a GUID orders as its text, as both databases order
/// it); nulls first ascending and last descending, as <see cref="Catalog.NullsFirstOrdering"/> makes every database do.</item>
/// </list>
/// A part then costs one pass: the filter (compiled once per query shape, its literals in an array) over a few of the
/// snapshot's columns in storage order, then the snapshot's index for the order, counting and keeping the window.
/// </summary>
internal sealed class MemoryQuery<TReplica> where TReplica : class
{
    private const int MaxFilters = 512;
    private static readonly ConcurrentDictionary<string, Func<int, object[], object?[], bool>> Filters = new(StringComparer.Ordinal);

    private readonly Func<int, object[], object?[], bool>? _filter;
    private readonly PropertyInfo[] _columns;
    private readonly object?[] _values;
    private readonly string _signature;
    private readonly Comparison<TReplica> _order;

    private MemoryQuery(Func<int, object[], object?[], bool>? filter, PropertyInfo[] columns, object?[] values, string signature, Comparison<TReplica> order) =>
        (_filter, _columns, _values, _signature, _order) = (filter, columns, values, signature, order);

    /// <summary>The query in memory, or null when some part of it is not answered there exactly as in SQL.</summary>
    public static MemoryQuery<TReplica>? TryCreate<T>(ODataQueryOptions options, ODataQuerySettings settings, OrderByQueryOption order)
        where T : class
    {
        if (Order<T>(options, order) is not { } ordered)
        {
            return null;
        }
        if (options.Filter is null)
        {
            return new MemoryQuery<TReplica>(null, [], [], ordered.Signature, ordered.Comparison);
        }
        var where = options.Filter.ApplyTo(Array.Empty<T>().AsQueryable(), settings).Expression;
        if (where is not MethodCallExpression { Method.Name: nameof(Queryable.Where), Arguments: [_, UnaryExpression { NodeType: ExpressionType.Quote, Operand: Expression<Func<T, bool>> lambda }] }
            || !Exact.Check(lambda))
        {
            return null;
        }
        // The predicate reads the row's properties from columns (one array per property, kept with the snapshot: a
        // scan reads a few compact arrays, not every row object), and its literals from slots of an array, so queries
        // that differ only in their literals share one compiled delegate (the columns and its text are the cache key).
        var index = Expression.Parameter(typeof(int), "i");
        var columns = Expression.Parameter(typeof(object[]), "columns");
        var values = Expression.Parameter(typeof(object[]), "values");
        var hoist = new Hoist(lambda.Parameters[0], index, columns, values);
        var shape = Expression.Lambda<Func<int, object[], object?[], bool>>(hoist.Visit(lambda.Body), index, columns, values);
        if (!hoist.Ok)
        {
            return null;
        }
        var key = string.Join(',', hoist.Columns.Select(c => c.Name)) + "|" + Structure.Of(shape);
        if (!Filters.TryGetValue(key, out var filter))
        {
            if (Filters.Count >= MaxFilters)
            {
                Filters.Clear();
            }
            filter = Filters.GetOrAdd(key, shape.Compile());
        }
        return new MemoryQuery<TReplica>(filter, [.. hoist.Columns], [.. hoist.Values], ordered.Signature, ordered.Comparison);
    }

    /// <summary>Whether the filter or the order reads any of these properties.</summary>
    public bool Reads(IReadOnlyCollection<string> properties) =>
        _columns.Any(c => properties.Contains(c.Name)) || _signature.Split(',').Any(o => properties.Contains(o[1..]));

    /// <summary>The part's count and its window <c>[skip, skip + top)</c> in its order, whole rows.</summary>
    public PartAnswer<TReplica> Run(RowSet<TReplica> set, long skip, int top)
    {
        var (rows, sorted) = (set.Rows, set.Sorted(_signature, _order));
        var columns = _columns.Length == 0 ? [] : _columns.Select(set.Column).ToArray();
        var keys = new List<TReplica>(Math.Min(top, 128));
        long count = 0;
        if (_filter is null)
        {
            count = rows.Length;
            for (var i = skip; i < rows.Length && keys.Count < top; i++)
            {
                keys.Add(rows[sorted[i]]);
            }
        }
        else
        {
            // The filter over the columns in their own order (sequential reads), then the order over its answers.
            var taken = ArrayPool<bool>.Shared.Rent(rows.Length);
            try
            {
                for (var i = 0; i < rows.Length; i++)
                {
                    taken[i] = _filter(i, columns, _values);
                }
                foreach (var position in sorted)
                {
                    if (taken[position])
                    {
                        if (count >= skip && keys.Count < top)
                        {
                            keys.Add(rows[position]);
                        }
                        count++;
                    }
                }
            }
            finally
            {
                ArrayPool<bool>.Shared.Return(taken);
            }
        }
        var answer = new PartAnswer<TReplica>(count, keys);
        foreach (var key in keys)
        {
            answer.Rows.TryAdd(KeyOf<TReplica>.Get(key), key);
        }
        return answer;
    }

    /// <summary>
    /// A tree's structure as text: every node's kind and full type, and its member or method, in order (no literal
    /// values: they are slots by then). Two trees with the same text compile to interchangeable delegates.
    /// </summary>
    private sealed class Structure : ExpressionVisitor
    {
        private readonly System.Text.StringBuilder _text = new();

        public static string Of(Expression tree)
        {
            var structure = new Structure();
            structure.Visit(tree);
            return structure._text.ToString();
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is null)
            {
                return null;
            }
            _text.Append(node.NodeType).Append(':').Append(node.Type.FullName);
            _ = node switch
            {
                MemberExpression m => _text.Append('.').Append(m.Member.DeclaringType?.FullName).Append('.').Append(m.Member.Name),
                MethodCallExpression c => _text.Append('.').Append(c.Method.DeclaringType?.FullName).Append('.').Append(c.Method),
                BinaryExpression { Method: { } method } => _text.Append('.').Append(method.DeclaringType?.FullName).Append('.').Append(method),
                UnaryExpression { Method: { } method } => _text.Append('.').Append(method.DeclaringType?.FullName).Append('.').Append(method),
                ConstantExpression c => _text.Append('=').Append(c.Value is null ? "null" : c.Value is int i ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?"),
                ParameterExpression p => _text.Append('$').Append(p.Name),
                _ => _text,
            };
            _text.Append('(');
            var visited = base.Visit(node);
            _text.Append(')');
            return visited;
        }
    }

    /// <summary>
    /// Replaces each property of the row by its column (<c>((P[])columns[k])[i]</c>), and every literal (a constant, or
    /// a parameter container's value) by a slot of the values array.
    /// </summary>
    private sealed class Hoist(ParameterExpression row, ParameterExpression index, ParameterExpression columns, ParameterExpression values) : ExpressionVisitor
    {
        public List<PropertyInfo> Columns { get; } = [];
        public List<object?> Values { get; } = [];
        public bool Ok { get; private set; } = true;

        protected override Expression VisitParameter(ParameterExpression node)
        {
            // The row itself, other than through one of its properties (which Exact.Check refuses anyway).
            Ok &= node != row;
            return node;
        }

        // A null stays: it is the same in every query (and may be an untyped one, compared with a nullable).
        protected override Expression VisitConstant(ConstantExpression node) => node.Value is null ? node : Slot(node.Value, node.Type);

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression == row && node.Member is PropertyInfo property && typeof(TReplica).GetProperty(property.Name) is { } column)
            {
                var k = Columns.IndexOf(column);
                if (k < 0)
                {
                    Columns.Add(column);
                    k = Columns.Count - 1;
                }
                var array = Expression.Convert(Expression.ArrayIndex(columns, Expression.Constant(k)), column.PropertyType.MakeArrayType());
                return Expression.ArrayIndex(array, index);
            }
            return Exact.LiteralValue(node, out var value) ? Slot(value, node.Type) : base.VisitMember(node);
        }

        private UnaryExpression Slot(object? value, Type type)
        {
            Values.Add(value);
            return Expression.Convert(Expression.ArrayIndex(values, Expression.Constant(Values.Count - 1)), type);
        }
    }

    private static readonly ConcurrentDictionary<string, Comparison<TReplica>> Orders = new(StringComparer.Ordinal);

    /// <summary>The stable order as one compiled comparison (cached per order), or null when a key is not ordered here as in SQL.</summary>
    private static (string Signature, Comparison<TReplica> Comparison)? Order<T>(ODataQueryOptions options, OrderByQueryOption order)
    {
        var columns = new List<(PropertyInfo Property, bool Descending)>();
        foreach (var node in order.OrderByNodes)
        {
            if (node is not OrderByPropertyNode { Property: var edm } byProperty
                || typeof(TReplica).GetProperty(options.Context.Model.GetClrPropertyName(edm) ?? edm.Name) is not { } clr
                || !Exact.Orderable(clr.PropertyType))
            {
                return null;
            }
            columns.Add((clr, byProperty.Direction == OrderByDirection.Descending));
        }
        var signature = string.Join(',', columns.Select(c => (c.Descending ? "-" : "+") + c.Property.Name));
        return (signature, Orders.GetOrAdd(signature, _ => Compile(columns)));
    }

    /// <summary><c>(a, b) =&gt; first non-zero of Comparer&lt;P&gt;.Default.Compare(a.P, b.P) (negated when descending), else 0</c>.</summary>
    private static Comparison<TReplica> Compile(List<(PropertyInfo Property, bool Descending)> columns)
    {
        var (a, b) = (Expression.Parameter(typeof(TReplica), "a"), Expression.Parameter(typeof(TReplica), "b"));
        var result = Expression.Variable(typeof(int), "c");
        var done = Expression.Label(typeof(int));
        var steps = new List<Expression>();
        foreach (var (property, descending) in columns)
        {
            var comparer = typeof(Comparer<>).MakeGenericType(property.PropertyType);
            var compare = Expression.Call(Expression.Property(null, comparer, nameof(Comparer<int>.Default)), comparer.GetMethod(nameof(Comparer<int>.Compare))!,
                Expression.Property(a, property), Expression.Property(b, property));
            steps.Add(Expression.Assign(result, descending ? Expression.Negate(compare) : compare));
            steps.Add(Expression.IfThen(Expression.NotEqual(result, Expression.Constant(0)), Expression.Return(done, result)));
        }
        steps.Add(Expression.Label(done, Expression.Constant(0)));
        return Expression.Lambda<Comparison<TReplica>>(Expression.Block([result], steps), a, b).Compile();
    }

}

/// <summary>What .NET evaluates exactly as the catalog's databases do (see <see cref="MemoryQuery{TReplica}"/>).</summary>
internal static class Exact
{
    /// <summary>Types a <c>$filter</c> may read, compare for equality and hold as literals.</summary>
    public static bool Scalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsEnum || type == typeof(string) || Ordered(type);
    }

    /// <summary>Types compared and ordered alike in .NET and in SQL.</summary>
    public static bool Orderable(Type type) => Ordered(Nullable.GetUnderlyingType(type) ?? type);

    private static bool Ordered(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(decimal) || type == typeof(double)
        || type == typeof(bool) || type == typeof(DateOnly) || type == typeof(DateTime) || type == typeof(Guid);

    /// <summary>The value of a literal: a constant, or a field or property of one (OData's parameterized constants).</summary>
    public static bool LiteralValue(Expression node, out object? value)
    {
        value = null;
        switch (node)
        {
            case ConstantExpression constant:
                value = constant.Value;
                return true;
            case MemberExpression { Expression: { } inner, Member: FieldInfo or PropertyInfo } member when LiteralValue(inner, out var target) && target is not null:
                value = member.Member is FieldInfo field ? field.GetValue(target) : ((PropertyInfo)member.Member).GetValue(target);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether every node of the predicate is one <see cref="MemoryQuery{TReplica}"/> may run.</summary>
    public static bool Check(LambdaExpression lambda)
    {
        var check = new Checker(lambda.Parameters[0]);
        check.Visit(lambda.Body);
        return check.Ok;
    }

    private sealed class Checker(ParameterExpression row) : ExpressionVisitor
    {
        public bool Ok { get; private set; } = true;

        public override Expression? Visit(Expression? node)
        {
            if (!Ok || node is null)
            {
                return node;
            }
            switch (node)
            {
                case ParameterExpression p when p == row:
                case ConstantExpression:
                    Ok = Literal(node);
                    return node;
                case MemberExpression member:
                    Ok = Member(member);
                    return node;
                case UnaryExpression { NodeType: ExpressionType.Not } not when not.Type == typeof(bool) || not.Type == typeof(bool?):
                    return base.Visit(node);
                case UnaryExpression { NodeType: ExpressionType.Convert, Operand: var operand } convert:
                    // Nullable lifting and widening between the types above; an enum's number is not what SQL compares.
                    var from = Nullable.GetUnderlyingType(operand.Type) ?? operand.Type;
                    var to = Nullable.GetUnderlyingType(convert.Type) ?? convert.Type;
                    Ok = Scalar(convert.Type) && Scalar(operand.Type) && (from == to || !from.IsEnum && !to.IsEnum) && from != typeof(string) && to != typeof(string);
                    return Ok ? base.Visit(node) : node;
                case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse }:
                    return base.Visit(node);
                case BinaryExpression { NodeType: ExpressionType.Equal or ExpressionType.NotEqual } equal:
                    // `x eq null`: the library compares with an untyped null. `status eq 'idle'`: it compares the
                    // enumeration's number, which EF compares as the member (its stored name): equality is the same.
                    Ok = (Scalar(equal.Left.Type) || IsNull(equal.Left)) && (Scalar(equal.Right.Type) || IsNull(equal.Right));
                    if (Ok)
                    {
                        Visit(EnumNumber(equal.Left));
                        Visit(EnumNumber(equal.Right));
                    }
                    return node;
                case BinaryExpression { NodeType: ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual } compare:
                    Ok = Orderable(compare.Left.Type) && Orderable(compare.Right.Type);
                    return Ok ? base.Visit(node) : node;
                case MethodCallExpression { Method: { Name: nameof(Enumerable.Contains), DeclaringType: var declaring }, Arguments: [var list, var item] }
                    when declaring == typeof(Enumerable) && Scalar(item.Type) && LiteralValue(list, out var values) && values is IEnumerable items:
                    // `in (…)`: a literal list.
                    foreach (var value in items)
                    {
                        Ok &= Fits(value);
                    }
                    if (Ok)
                    {
                        Visit(item);
                    }
                    return node;
                default:
                    Ok = false;
                    return node;
            }
        }

        private static bool IsNull(Expression node) => node is ConstantExpression { Value: null };

        /// <summary>The enumeration under <c>Convert(e, its underlying type)</c>, else the expression itself.</summary>
        private static Expression EnumNumber(Expression node) =>
            node is UnaryExpression { NodeType: ExpressionType.Convert, Operand: var operand }
            && (Nullable.GetUnderlyingType(operand.Type) ?? operand.Type) is { IsEnum: true } type
            && (Nullable.GetUnderlyingType(node.Type) ?? node.Type) == Enum.GetUnderlyingType(type)
                ? operand
                : node;

        private bool Literal(Expression node) => node is ParameterExpression || (LiteralValue(node, out var value) && (value is null || Scalar(value.GetType())) && Fits(value));

        /// <summary>A property of the row (not a navigation), <c>.Value</c>/<c>.HasValue</c> of one, or a literal held in a parameter container.</summary>
        private bool Member(MemberExpression member)
        {
            if (member.Expression == row)
            {
                return member.Member is PropertyInfo property && Scalar(property.PropertyType);
            }
            if (member.Expression is { } inner && Nullable.GetUnderlyingType(inner.Type) is not null
                && member.Member.Name is nameof(Nullable<int>.Value) or nameof(Nullable<int>.HasValue))
            {
                Visit(inner);
                return Ok;
            }
            return Literal(member);
        }

        /// <summary>
        /// A literal stored as it is compared: money within whole fen (stored as integer fen, a literal is rounded to
        /// one) and instants within whole microseconds (PostgreSQL keeps microseconds).
        /// </summary>
        private static bool Fits(object? value) => value switch
        {
            decimal d => decimal.Round(d, 2) == d,
            DateTime t => t.Ticks % 10 == 0,
            DateTimeOffset t => t.Ticks % 10 == 0,
            double d => !double.IsNaN(d) && !double.IsInfinity(d),
            _ => true,
        };
    }
}
