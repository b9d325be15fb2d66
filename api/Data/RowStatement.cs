using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace DxyqOpenData.Api.Data;

/// <summary>
/// One SQL statement on the context's connection and transaction, run once per row with the same command (SQLite
/// keeps it prepared), its parameters typed by EF's own mappings (enum wire names, Guid and date formats), so it
/// writes exactly what EF would. For the hot paths that write thousands of rows a batch where EF pays per statement:
/// the sensor sink and the push API's SQLite rows (<see cref="Push.SqliteRowInserter"/>).
/// </summary>
internal sealed partial class RowStatement : IAsyncDisposable
{
    private readonly DbCommand _command;
    private readonly (DbParameter Parameter, Func<object?, object?> ToProvider)[] _parameters;

    /// <summary>
    /// <paramref name="sql"/> names the table as <c>{table}</c> and columns as <c>{PropertyName}</c>; its parameters
    /// are <c>@p0</c>… for <paramref name="parameters"/> in order.
    /// </summary>
    public RowStatement(DbContext db, Type entity, string sql, params string[] parameters)
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
            // Created once, typed by the mapping (e.g. a Guid as TEXT on SQLite); only the values change per row.
            var parameter = mapping.CreateParameter(_command, sqlHelper.GenerateParameterName(name), null, nullable: true);
            _command.Parameters.Add(parameter);
            var converter = mapping.Converter;
            _parameters[i] = (parameter, converter is null ? v => v : v => v is null ? null : converter.ConvertToProvider(v));
        }
        _command.CommandText = Parameter().Replace(text, m => sqlHelper.GenerateParameterNamePlaceholder("p" + m.Groups[1].Value));
    }

    public Task<int> RunAsync(CancellationToken cancellationToken, params object?[] values)
    {
        Bind(values);
        return _command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs synchronously: Microsoft.Data.Sqlite runs every command synchronously, the async form only adds overhead.</summary>
    public int Run(params object?[] values)
    {
        Bind(values);
        return _command.ExecuteNonQuery();
    }

    private void Bind(object?[] values)
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            _parameters[i].Parameter.Value = _parameters[i].ToProvider(values[i]) ?? DBNull.Value;
        }
    }

    public ValueTask DisposeAsync() => _command.DisposeAsync();

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9_]*)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"@p([0-9]+)\b")]
    private static partial Regex Parameter();
}
