using System.Linq.Expressions;
using System.Reflection;
using DxyqOpenData.Api.Internals;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace DxyqOpenData.Api.Data;

/// <summary>
/// A name an <c>$apply</c> defines (<c>hours with sum as h</c>, <c>compute(h div 24 as days)</c>) keeps its own type.
/// The URI parser leaves such a name untyped and converts it to the type of what it meets, and the library reads the
/// value so: <c>filter(h gt 100)</c> became <c>(int)h &gt; 100</c>, so 100.58 hours was not over 100;
/// <c>compute(h div 24 as days)</c> divided integers, and <c>days</c> was then read as an integer everywhere. Where a
/// value of an <c>$apply</c> result that is a decimal or floating number (or a wider integer) is read narrowed to an
/// integer type, it is read as what it is, and the operation is done in that type, the other operand widened to it,
/// as OData's numeric promotion says: comparisons, arithmetic, negation, orderings and aggregates.
/// </summary>
internal sealed class ApplyAliasTypes : IQueryExpressionInterceptor
{
    public static readonly ApplyAliasTypes Instance = new();

    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData) =>
        new Rewriter().Visit(queryExpression);

    /// <summary>Where a value of an <c>$apply</c> result is kept: the wrapper's type, its container property and the depth in the chain.</summary>
    private readonly record struct Slot(Type Wrapper, string Container, int Depth);

    /// <summary>
    /// The slot read by <c>((AggregationPropertyContainer)$it.Container)[.Next…].Value</c>, if the expression is one.
    /// </summary>
    private static Slot? SlotOf(Expression expression)
    {
        if (expression is not MemberExpression { Expression: { } chain } value || value.Type != typeof(object) || !ODataInternals.IsContainerValue(value.Member))
        {
            return null;
        }
        var depth = 0;
        while (true)
        {
            chain = chain is UnaryExpression { NodeType: ExpressionType.Convert } cast ? cast.Operand : chain;
            if (chain is MemberExpression { Expression: { } previous } next && ODataInternals.IsContainerNext(next.Member))
            {
                depth++;
                chain = previous;
                continue;
            }
            return chain is MemberExpression { Expression: { } owner } container ? new Slot(owner.Type, container.Member.Name, depth) : null;
        }
    }

    private sealed class Rewriter : ExpressionVisitor
    {
        /// <summary>
        /// The type each slot's value has where the query makes it (its box's operand, as rewritten). A stage is visited
        /// before the operators that read it (a call's source before its lambdas), so a read finds its own stage's.
        /// </summary>
        private readonly Dictionary<Slot, Type> _slots = [];

        protected override Expression VisitMemberInit(MemberInitExpression node)
        {
            var init = (MemberInitExpression)base.VisitMemberInit(node);
            if (ODataInternals.IsApplyWrapper(init.Type))
            {
                foreach (var binding in init.Bindings.OfType<MemberAssignment>())
                {
                    var container = binding.Expression;
                    for (var depth = 0; container is MemberInitExpression chain && ODataInternals.IsApplyContainer(chain.Type); depth++)
                    {
                        var bindings = chain.Bindings.OfType<MemberAssignment>().ToList();
                        if (bindings.FirstOrDefault(b => ODataInternals.IsContainerValue(b.Member))?.Expression is UnaryExpression { NodeType: ExpressionType.Convert } box
                            && box.Type == typeof(object))
                        {
                            _slots[new Slot(init.Type, binding.Member.Name, depth)] = box.Operand.Type;
                        }
                        container = bindings.FirstOrDefault(b => ODataInternals.IsContainerNext(b.Member))?.Expression;
                    }
                }
            }
            return init;
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            var left = Unnarrowed(Visit(node.Left));
            var right = Unnarrowed(Visit(node.Right));
            if (left.Type == node.Left.Type && right.Type == node.Right.Type || Rank(left.Type) == 0 || Rank(right.Type) == 0)
            {
                return node.Update(left, node.Conversion, right);
            }
            var nullable = Nullable.GetUnderlyingType(left.Type) is not null || Nullable.GetUnderlyingType(right.Type) is not null;
            var wider = Rank(left.Type) >= Rank(right.Type) ? Underlying(left.Type) : Underlying(right.Type);
            var type = nullable ? typeof(Nullable<>).MakeGenericType(wider) : wider;
            return Expression.MakeBinary(node.NodeType, To(left, type), To(right, type), node.IsLiftedToNull, method: null);
        }

        /// <summary>A negation takes its operand's new type; a conversion converts it.</summary>
        protected override Expression VisitUnary(UnaryExpression node)
        {
            // A negation, or a conversion to anything but an integer (decimal?)(int?)slot, of a narrowed read reads it whole.
            var operand = node.NodeType is ExpressionType.Negate or ExpressionType.NegateChecked
                || node.NodeType is ExpressionType.Convert or ExpressionType.ConvertChecked && !IsInteger(node.Type)
                    ? Unnarrowed(Visit(node.Operand))
                    : Visit(node.Operand);
            return operand.Type == node.Operand.Type ? node.Update(operand) : node.NodeType switch
            {
                ExpressionType.Negate or ExpressionType.NegateChecked => Expression.MakeUnary(node.NodeType, operand, operand.Type),
                ExpressionType.Convert or ExpressionType.ConvertChecked => Expression.MakeUnary(node.NodeType, operand, node.Type),
                ExpressionType.Quote => Expression.Quote(operand),
                _ => node.Update(To(operand, node.Operand.Type)),
            };
        }

        /// <summary>A lambda whose body was widened returns the wider type (its call is remade below).</summary>
        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            var body = Unnarrowed(Visit(node.Body));
            return body.Type == node.Body.Type ? node.Update(body, node.Parameters) : Expression.Lambda(body, node.Name, node.TailCall, node.Parameters);
        }

        /// <summary>
        /// A call given a widened lambda is remade for the wider type: an ordering by the wider key
        /// (<c>OrderBy&lt;T, decimal?&gt;</c>), <c>Min</c>/<c>Max</c> of it, the <c>Sum</c>/<c>Average</c> overload for it. Any
        /// other call keeps its types, its lambdas converting back (as the library bound them).
        /// </summary>
        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            var instance = Visit(node.Object);
            var arguments = node.Arguments.Select(a => Visit(a)!).ToList();
            var changed = arguments.Select((a, i) => a.Type != node.Arguments[i].Type).ToList();
            if (!changed.Contains(true))
            {
                return node.Update(instance, arguments);
            }
            if (node.Object is null && changed.IndexOf(true) == arguments.Count - 1 && LambdaOf(arguments[^1]) is { } selector
                && Remade(node.Method, LambdaOf(node.Arguments[^1])!.ReturnType, selector.ReturnType) is { } method)
            {
                return Expression.Call(method, arguments);
            }
            return node.Update(instance, arguments.Select((a, i) => changed[i] ? Restored(a, node.Arguments[i]) : a));
        }

        /// <summary>The method for a selector returning <paramref name="now"/> instead of <paramref name="was"/>, if there is one.</summary>
        private static MethodInfo? Remade(MethodInfo method, Type was, Type now)
        {
            if (!method.IsGenericMethod || method.DeclaringType != typeof(Queryable) && method.DeclaringType != typeof(Enumerable))
            {
                return null;
            }
            var types = method.GetGenericArguments();
            // OrderBy<TSource, TKey>, ThenBy…, Min<TSource, TResult>, Max<TSource, TResult>: the last type argument is the selector's.
            if (types.Length == 2 && types[1] == was && method.Name is nameof(Queryable.OrderBy) or nameof(Queryable.OrderByDescending)
                    or nameof(Queryable.ThenBy) or nameof(Queryable.ThenByDescending) or nameof(Queryable.Min) or nameof(Queryable.Max))
            {
                return method.GetGenericMethodDefinition().MakeGenericMethod(types[0], now);
            }
            // Sum<TSource>(…, Func<TSource, int?>) → the overload taking Func<TSource, decimal?>.
            if (types.Length == 1 && method.Name is nameof(Queryable.Sum) or nameof(Queryable.Average))
            {
                var parameters = method.GetGenericMethodDefinition().GetParameters().Length;
                return method.DeclaringType!.GetMethods(BindingFlags.Public | BindingFlags.Static)
                    .Where(m => m.Name == method.Name && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 1 && m.GetParameters().Length == parameters)
                    .Select(m => m.MakeGenericMethod(types[0]))
                    .FirstOrDefault(m => SelectorReturn(m.GetParameters()[^1].ParameterType) == now);
            }
            return null;
        }

        private static Type? SelectorReturn(Type parameter)
        {
            var function = parameter.IsGenericType && parameter.GetGenericTypeDefinition() == typeof(Expression<>) ? parameter.GetGenericArguments()[0] : parameter;
            return function.IsGenericType && function.Name.StartsWith("Func`", StringComparison.Ordinal) ? function.GetGenericArguments()[^1] : null;
        }

        private static LambdaExpression? LambdaOf(Expression argument) =>
            (argument is UnaryExpression { NodeType: ExpressionType.Quote } quote ? quote.Operand : argument) as LambdaExpression;

        /// <summary>A widened lambda argument converted back to the type it had.</summary>
        private static Expression Restored(Expression argument, Expression original)
        {
            if (LambdaOf(argument) is not { } lambda || LambdaOf(original) is not { } before)
            {
                return To(argument, original.Type);
            }
            var restored = Expression.Lambda(before.Type, To(lambda.Body, before.ReturnType), lambda.Parameters);
            return argument.NodeType == ExpressionType.Quote ? Expression.Quote(restored) : restored;
        }

        /// <summary>
        /// A slot's value read narrowed to an integer type (<c>(int?)(decimal)slot.Value</c>, or <c>(int?)slot.Value</c>
        /// where the slot holds a decimal) read as what it holds instead; anything else as it is.
        /// </summary>
        private Expression Unnarrowed(Expression expression)
        {
            if (expression is not UnaryExpression { NodeType: ExpressionType.Convert } narrowed || !IsInteger(Underlying(narrowed.Type)))
            {
                return expression;
            }
            var read = narrowed.Operand is UnaryExpression { NodeType: ExpressionType.Convert } inner && SlotOf(inner.Operand) is not null ? inner : null;
            var holds = read?.Type ?? (SlotOf(narrowed.Operand) is { } slot && _slots.TryGetValue(slot, out var type) ? type : null);
            if (holds is null || Rank(holds) <= Rank(narrowed.Type))
            {
                return expression;
            }
            var wide = Nullable.GetUnderlyingType(narrowed.Type) is null ? Underlying(holds) : typeof(Nullable<>).MakeGenericType(Underlying(holds));
            return To(read?.Operand ?? narrowed.Operand, wide);
        }

        private static Expression To(Expression expression, Type type) => expression.Type == type ? expression : Expression.Convert(expression, type);
    }

    private static Type Underlying(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    private static bool IsInteger(Type type) => Rank(type) is > 0 and <= 4;

    /// <summary>OData's numeric promotion order (0: not a number).</summary>
    private static int Rank(Type type) => Type.GetTypeCode(Underlying(type)) switch
    {
        TypeCode.Byte or TypeCode.SByte => 1,
        TypeCode.Int16 => 2,
        TypeCode.Int32 => 3,
        TypeCode.Int64 => 4,
        TypeCode.Decimal => 5,
        TypeCode.Single => 6,
        TypeCode.Double => 7,
        _ => 0,
    };
}
