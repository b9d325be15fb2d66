using System.Linq.Expressions;
using System.Reflection;
using DxyqOpenData.Api.Internals;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace DxyqOpenData.Api.Data;

/// <summary>
/// OData's <c>$apply</c> first copies each aggregated property into a boxed slot
/// (<c>new FlatteningWrapper { Source = $it, GroupByContainer = { Value = (object)$it.PriceCny } }</c>) and then
/// aggregates the unboxed slot (<c>Sum(x =&gt; (decimal)x.GroupByContainer.Value)</c>). EF reads that unboxing as an
/// explicit SQL cast of the stored value: on a value-converted column it would cast integer fen to the provider's
/// decimal type and sum fen as if they were yuan (and on SQLite through <c>ef_sum</c> on text). This rewrites each
/// unboxed slot back to the property it holds (<c>x.Source.PriceCny</c>), so EF aggregates the column natively and
/// converts the result through the property's converter.
/// </summary>
internal sealed class AggregateUnflattener : IQueryExpressionInterceptor
{
    public static readonly AggregateUnflattener Instance = new();

    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData)
    {
        var finder = new FlatteningFinder();
        finder.Visit(queryExpression);
        return finder.Slots.Count == 0 ? queryExpression : new SlotRewriter(finder.Slots).Visit(queryExpression);
    }

    private static bool IsFlatteningWrapper(Type type) =>
        type.IsGenericType && type.Name.StartsWith("FlatteningWrapper", StringComparison.Ordinal) && ODataInternals.IsApplyWrapper(type);

    /// <summary>Finds <c>$it =&gt; new FlatteningWrapper&lt;T&gt; { Source = $it, GroupByContainer = chain }</c> and records each slot.</summary>
    private sealed class FlatteningFinder : ExpressionVisitor
    {
        /// <summary>(wrapper type, depth in the Next chain) → the property expression over the original parameter.</summary>
        public Dictionary<(Type Wrapper, int Depth), LambdaExpression> Slots { get; } = [];

        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            if (node.Parameters.Count == 1 && node.Body is MemberInitExpression init && IsFlatteningWrapper(init.Type))
            {
                var container = init.Bindings.OfType<MemberAssignment>().FirstOrDefault(b => b.Member.Name == "GroupByContainer")?.Expression;
                for (var depth = 0; container is MemberInitExpression chain; depth++)
                {
                    var bindings = chain.Bindings.OfType<MemberAssignment>().ToDictionary(b => b.Member.Name, b => b.Expression);
                    if (bindings.TryGetValue("Value", out var value))
                    {
                        var unboxed = value is UnaryExpression { NodeType: ExpressionType.Convert } box && value.Type == typeof(object) ? box.Operand : value;
                        Slots[(init.Type, depth)] = Expression.Lambda(unboxed, node.Parameters);
                    }
                    container = bindings.GetValueOrDefault("Next");
                }
            }
            return base.VisitLambda(node);
        }
    }

    /// <summary>Replaces <c>(T)((Container)x.GroupByContainer)[.Next…].Value</c> with the slot's property over <c>x.Source</c>.</summary>
    private sealed class SlotRewriter(Dictionary<(Type Wrapper, int Depth), LambdaExpression> slots) : ExpressionVisitor
    {
        protected override Expression VisitUnary(UnaryExpression node)
        {
            if (node.NodeType == ExpressionType.Convert && node.Operand.Type == typeof(object)
                && TryResolve(node.Operand, out var wrapper, out var depth)
                && slots.TryGetValue((wrapper.Type, depth), out var slot)
                && slot.Body.Type == node.Type)
            {
                var source = Expression.Property(wrapper, "Source");
                return new ParameterReplacer(slot.Parameters[0], source).Visit(slot.Body);
            }
            return base.VisitUnary(node);
        }

        private static bool TryResolve(Expression access, out Expression wrapper, out int depth)
        {
            wrapper = access;
            depth = 0;
            if (access is not MemberExpression { Member.Name: "Value" } value)
            {
                return false;
            }
            var current = Unconvert(value.Expression);
            while (current is MemberExpression { Member.Name: "Next" } next)
            {
                depth++;
                current = Unconvert(next.Expression);
            }
            if (current is MemberExpression { Member: PropertyInfo { Name: "GroupByContainer" } } container
                && container.Expression is { } owner && IsFlatteningWrapper(owner.Type))
            {
                wrapper = owner;
                return true;
            }
            return false;
        }

        private static Expression? Unconvert(Expression? e) => e is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.TypeAs } u ? u.Operand : e;
    }

    private sealed class ParameterReplacer(ParameterExpression parameter, Expression replacement) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == parameter ? replacement : node;
    }
}
