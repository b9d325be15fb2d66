using System.Linq.Expressions;
using System.Reflection;
using DxyqOpenData.Api.Internals;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace DxyqOpenData.Api.Data;

/// <summary>
/// Arithmetic on money computed in yuan. A money property is stored as integer fen (<see cref="FenConverter"/>), and EF
/// gives a literal beside it the property's converter: <c>priceCny div 10000</c> became <c>price_fen / 1000000</c> in
/// integer arithmetic, read back as fen. Inside arithmetic (and rounding), each money property is read as
/// <c>CAST(fen AS decimal) * 0.01</c> instead (EF casts the stored value when unboxing, as
/// <see cref="AggregateUnflattener"/> notes; a product keeps the scale at 2, where PostgreSQL would give a quotient 14
/// more places), so the provider computes in decimals (SQLite through EF's decimal functions). An average of amounts
/// is taken in yuan the same way. Comparisons of a bare money property keep the stored fen and its index.
/// </summary>
internal sealed class MoneyArithmetic : IQueryExpressionInterceptor
{
    public static readonly MoneyArithmetic Instance = new();

    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData) =>
        eventData.Context is { } context ? new Rewriter(context.Model).Visit(queryExpression) : queryExpression;

    private sealed class Rewriter(IModel model) : ExpressionVisitor
    {
        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (node.NodeType is not (ExpressionType.Add or ExpressionType.AddChecked or ExpressionType.Subtract or ExpressionType.SubtractChecked
                or ExpressionType.Multiply or ExpressionType.MultiplyChecked or ExpressionType.Divide or ExpressionType.Modulo))
            {
                return base.VisitBinary(node);
            }
            var left = Yuan(Visit(node.Left));
            var right = Yuan(Visit(node.Right));
            return left == node.Left && right == node.Right ? node : Expression.MakeBinary(node.NodeType, left, right, node.IsLiftedToNull, node.Method);
        }

        protected override Expression VisitUnary(UnaryExpression node) =>
            node.NodeType is ExpressionType.Negate or ExpressionType.NegateChecked ? node.Update(Yuan(Visit(node.Operand))) : base.VisitUnary(node);

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (node.Method.DeclaringType == typeof(Math) || node.Method.DeclaringType == typeof(decimal))
            {
                return node.Update(node.Object is null ? null : Yuan(Visit(node.Object)), node.Arguments.Select(a => Yuan(Visit(a))));
            }
            // An average of amounts is no whole number of fen: AVG of the stored fen, read back through the converter,
            // lost its fraction ($apply's "priceCny with average"). It averages the amounts in yuan instead.
            if (node.Method.Name == nameof(Queryable.Average) && node.Arguments.Count == 2
                && (node.Method.DeclaringType == typeof(Queryable) || node.Method.DeclaringType == typeof(Enumerable)))
            {
                var source = Visit(node.Arguments[0]);
                var selector = Visit(node.Arguments[1]);
                var lambda = (selector is UnaryExpression { NodeType: ExpressionType.Quote } quote ? quote.Operand : selector) as LambdaExpression;
                if (lambda is not null && Yuan(lambda.Body) is var body && body != lambda.Body)
                {
                    Expression average = Expression.Lambda(lambda.Type, body, lambda.Parameters);
                    selector = selector.NodeType == ExpressionType.Quote ? Expression.Quote(average) : average;
                }
                return node.Update(null, [source, selector]);
            }
            return base.VisitMethodCall(node);
        }

        /// <summary>
        /// A value of an <c>$apply</c> result (<c>groupby((priceCny))</c>'s key, <c>priceCny with sum as s</c>) that is an
        /// amount, or a sum, minimum or maximum of amounts, is held in yuan: a later <c>filter(s gt 1000000000)</c>,
        /// <c>compute(s div 2 as h)</c> or <c>$filter</c> reads the slot with a cast, which EF applies to the stored fen.
        /// The aggregate itself still runs over the integer fen.
        /// </summary>
        protected override MemberAssignment VisitMemberAssignment(MemberAssignment node)
        {
            var assignment = base.VisitMemberAssignment(node);
            return assignment is { Expression: UnaryExpression { NodeType: ExpressionType.Convert } box }
                && box.Type == typeof(object) && ODataInternals.IsContainerValue(assignment.Member)
                && IsAmount(box.Operand)
                ? assignment.Update(Expression.Convert(InYuan(box.Operand), typeof(object)))
                : assignment;
        }

        /// <summary>A money property, or a sum, minimum or maximum of one (their SQL holds fen).</summary>
        private bool IsAmount(Expression value) => value switch
        {
            MemberExpression { Member: PropertyInfo property, Expression: { } owner } => IsMoney(owner.Type, property),
            MethodCallExpression { Method.Name: nameof(Enumerable.Sum) or nameof(Enumerable.Min) or nameof(Enumerable.Max), Arguments: [_, var selector] } call
                when call.Method.DeclaringType == typeof(Enumerable) || call.Method.DeclaringType == typeof(Queryable) =>
                (selector is UnaryExpression { NodeType: ExpressionType.Quote } quote ? quote.Operand : selector) is LambdaExpression { Body: var body } && IsAmount(body),
            _ => false,
        };

        /// <summary>A value in fen read as yuan: <c>CAST(fen AS decimal) * 0.01</c>.</summary>
        private static Expression InYuan(Expression fen) =>
            Expression.Multiply(Expression.Convert(Expression.Convert(fen, typeof(object)), fen.Type), Expression.Constant(0.01m, fen.Type));

        /// <summary>An operand with each money property in it read in yuan (through conversions, not into lambdas).</summary>
        private Expression Yuan(Expression operand) => operand switch
        {
            MemberExpression { Member: PropertyInfo property, Expression: { } owner } member when IsMoney(owner.Type, property) => InYuan(member),
            // A value already read in yuan (its cast through object) is left as it is.
            UnaryExpression { NodeType: ExpressionType.Convert } convert when convert.Operand.Type != typeof(object) && convert.Type != typeof(object) =>
                convert.Update(Yuan(convert.Operand)),
            ConditionalExpression conditional => conditional.Update(conditional.Test, Yuan(conditional.IfTrue), Yuan(conditional.IfFalse)),
            _ => operand,
        };

        private bool IsMoney(Type owner, PropertyInfo property) =>
            (property.PropertyType == typeof(decimal) || property.PropertyType == typeof(decimal?))
            && model.FindEntityType(owner)?.FindProperty(property.Name) is { } mapped
            && (mapped.GetValueConverter() ?? mapped.GetTypeMapping().Converter) is FenConverter;
    }
}
