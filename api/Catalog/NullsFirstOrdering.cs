using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// OData's ordering of nulls on every provider: <c>null</c> sorts before any value ascending and after every value
/// descending (OData 4.01 §11.2.6.2), which is what SQLite and SQL Server do, but PostgreSQL does the opposite (NULLS
/// LAST ascending). On PostgreSQL, each <c>$orderby</c> key on a nullable column gets a leading
/// <c>x == null ? 0 : 1</c> key in the same direction. A federated merge relies on this: every node's stream must be in
/// the order its comparer uses (null first), whatever the node's database.
/// </summary>
internal sealed class NullsFirstOrdering : IQueryExpressionInterceptor
{
    public static readonly NullsFirstOrdering Instance = new();

    /// <summary>Set while a catalog query (<see cref="CatalogQueryAttribute"/>) builds and runs its queries.</summary>
    public static readonly AsyncLocal<bool> Active = new();

    private static readonly HashSet<string> OrderMethods =
        [nameof(Queryable.OrderBy), nameof(Queryable.OrderByDescending), nameof(Queryable.ThenBy), nameof(Queryable.ThenByDescending)];

    /// <summary>
    /// Registered on PostgreSQL only. Rewrites the LINQ tree before EF compiles it — after OData built it, wherever it is
    /// run (OData materializes paged results itself) — and only for catalog queries.
    /// </summary>
    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData) =>
        Active.Value && eventData.Context is { } context ? new Visitor(context.Model).Visit(queryExpression) : queryExpression;

    private sealed class Visitor(IModel model) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            var visited = (MethodCallExpression)base.VisitMethodCall(node);
            if (visited.Method.DeclaringType != typeof(Queryable) || !OrderMethods.Contains(visited.Method.Name) || visited.Arguments.Count != 2
                || StripQuotes(visited.Arguments[1]) is not LambdaExpression key || !IsNullableColumn(key.Body))
            {
                return visited;
            }
            var descending = visited.Method.Name.EndsWith("Descending", StringComparison.Ordinal);
            var first = visited.Method.Name.StartsWith("OrderBy", StringComparison.Ordinal);
            var body = key.Body;
            var flag = Expression.Lambda(
                Expression.Condition(Expression.Equal(body, Expression.Constant(null, body.Type)), Expression.Constant(0), Expression.Constant(1)),
                key.Parameters);
            var sourceType = visited.Method.GetGenericArguments()[0];
            var flagMethod = Method(first ? (descending ? nameof(Queryable.OrderByDescending) : nameof(Queryable.OrderBy))
                : (descending ? nameof(Queryable.ThenByDescending) : nameof(Queryable.ThenBy)), sourceType, typeof(int));
            var flagged = Expression.Call(flagMethod, visited.Arguments[0], Expression.Quote(flag));
            var thenMethod = Method(descending ? nameof(Queryable.ThenByDescending) : nameof(Queryable.ThenBy), sourceType, body.Type);
            return Expression.Call(thenMethod, flagged, visited.Arguments[1]);
        }

        private static MethodInfo Method(string name, Type source, Type key) => typeof(Queryable).GetMethods()
            .Single(m => m.Name == name && m.GetParameters().Length == 2).MakeGenericMethod(source, key);

        private static Expression StripQuotes(Expression e) => e is UnaryExpression { NodeType: ExpressionType.Quote } q ? q.Operand : e;

        /// <summary>A member access to a property the model maps as a nullable column.</summary>
        private bool IsNullableColumn(Expression body)
        {
            if (body is not MemberExpression { Member: PropertyInfo property } member
                || (body.Type.IsValueType && Nullable.GetUnderlyingType(body.Type) is null))
            {
                return false;
            }
            var entity = model.FindEntityType(member.Expression?.Type ?? property.DeclaringType!)
                ?? model.FindEntityType(property.DeclaringType!);
            return entity?.FindProperty(property.Name) is { IsNullable: true };
        }
    }
}
