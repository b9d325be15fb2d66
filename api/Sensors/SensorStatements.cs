using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// One SQL statement on the context's connection and transaction, run once per row with the same command (SQLite
/// keeps it prepared), its parameters typed by EF's own mappings (enum wire names, Guid and date formats), so it
/// writes exactly what EF would. The sensor sink's hot path: thousands of rows a batch where EF pays per statement.
/// </summary>
internal sealed partial class SensorStatement : IAsyncDisposable
{
    private readonly DbCommand _command;
    private readonly (DbParameter Parameter, Func<object?, object?> ToProvider)[] _parameters;

    /// <summary>
    /// <paramref name="sql"/> names the table as <c>{table}</c> and columns as <c>{PropertyName}</c>; its parameters
    /// are <c>@p0</c>… for <paramref name="parameters"/> in order.
    /// </summary>
    public SensorStatement(DbContext db, Type entity, string sql, params string[] parameters)
    {
        var type = db.Model.FindEntityType(entity) ?? throw new InvalidOperationException($"{entity.Name} is not mapped");
        var sqlHelper = db.GetService<ISqlGenerationHelper>();
        var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
        var text = sql.Replace("{table}", sqlHelper.DelimitIdentifier(table.Name, table.Schema), StringComparison.Ordinal);
        text = Placeholder().Replace(text, m => sqlHelper.DelimitIdentifier(
            (type.FindProperty(m.Groups[1].Value) ?? throw new InvalidOperationException($"{entity.Name}.{m.Groups[1].Value}?")).GetColumnName(table)!));

        _command = db.Database.GetDbConnection().CreateCommand();
        _command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        _parameters = new (DbParameter, Func<object?, object?>)[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var property = type.FindProperty(parameters[i]) ?? throw new InvalidOperationException($"{entity.Name}.{parameters[i]}?");
            var mapping = property.GetRelationalTypeMapping();
            var name = $"p{i}";
            text = text.Replace($"@{name}", sqlHelper.GenerateParameterNamePlaceholder(name), StringComparison.Ordinal);
            // Created once, typed by the mapping (e.g. a Guid as TEXT on SQLite); only the values change per row.
            var parameter = mapping.CreateParameter(_command, sqlHelper.GenerateParameterName(name), null, nullable: true);
            _command.Parameters.Add(parameter);
            var converter = mapping.Converter;
            _parameters[i] = (parameter, converter is null ? v => v : v => v is null ? null : converter.ConvertToProvider(v));
        }
        _command.CommandText = text;
    }

    public Task<int> RunAsync(CancellationToken cancellationToken, params object?[] values)
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            _parameters[i].Parameter.Value = _parameters[i].ToProvider(values[i]) ?? DBNull.Value;
        }
        return _command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _command.DisposeAsync();

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();
}
