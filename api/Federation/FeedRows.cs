using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.ServiceOfferings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// How a public row travels in the change feed: its public columns (the EF model's scalar properties, minus what never
/// leaves the node: the confidential flag and the contacts) by their OData names, enumerations by wire name. The same
/// codec reads a peer's row into a replica entity, strictly: every column present, of its type, within its length.
/// </summary>
public sealed class FeedRowCodec<TLocal, TReplica> where TLocal : class where TReplica : class, TLocal
{
    private static readonly HashSet<string> NeverSent = new(StringComparer.Ordinal)
    {
        nameof(Instruments.Instrument.IsConfidential), nameof(Instruments.Instrument.ContactPhone), nameof(Instruments.Instrument.ContactEmail),
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Column[] _columns;

    private sealed record Column(PropertyInfo Property, string Name, Type Type, bool Nullable, int? MaxLength, Func<object, string>? ToWire, Func<string, object?>? FromWire);

    public FeedRowCodec(IModel model)
    {
        var entity = model.FindEntityType(typeof(TLocal))!;
        _columns = entity.GetProperties()
            .Where(p => p.PropertyInfo is not null && !NeverSent.Contains(p.Name))
            .Select(p =>
            {
                var type = Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType;
                Func<object, string>? toWire = null;
                Func<string, object?>? fromWire = null;
                if (type.IsEnum)
                {
                    var names = type.GetFields(BindingFlags.Public | BindingFlags.Static).ToDictionary(
                        f => f.GetValue(null)!, f => f.GetCustomAttribute<System.Runtime.Serialization.EnumMemberAttribute>()?.Value ?? f.Name);
                    var values = names.ToDictionary(n => n.Value, n => n.Key, StringComparer.Ordinal);
                    toWire = v => names[v];
                    fromWire = s => values.GetValueOrDefault(s);
                }
                return new Column(p.PropertyInfo!, JsonNamingPolicy.CamelCase.ConvertName(p.Name), type, p.IsNullable, p.GetMaxLength(), toWire, fromWire);
            })
            .ToArray();
    }

    /// <summary>The OData names of the columns that travel.</summary>
    public IEnumerable<string> Names => _columns.Select(c => c.Name);

    public void Write(Utf8JsonWriter writer, TLocal row)
    {
        writer.WriteStartObject();
        foreach (var column in _columns)
        {
            var value = column.Property.GetValue(row);
            writer.WritePropertyName(column.Name);
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case DateTime time:
                    writer.WriteStringValue(DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture));
                    break;
                case Enum when column.ToWire is { } wire:
                    writer.WriteStringValue(wire(value));
                    break;
                default:
                    JsonSerializer.Serialize(writer, value, value.GetType(), Json);
                    break;
            }
        }
        writer.WriteEndObject();
    }

    /// <summary>A peer's row as a replica entity of <paramref name="node"/>; a row not of the set's shape is refused.</summary>
    public TReplica Read(JsonElement row, Guid id, string node)
    {
        var entity = (TReplica)Activator.CreateInstance(typeof(TReplica))!;
        typeof(TReplica).GetProperty("Node")!.SetValue(entity, node);
        foreach (var column in _columns)
        {
            if (!row.TryGetProperty(column.Name, out var value))
            {
                throw new InvalidDataException($"Row {id} has no '{column.Name}'.");
            }
            column.Property.SetValue(entity, Convert(value, column, id));
        }
        if (!Equals(typeof(TLocal).GetProperty("Id")!.GetValue(entity), id))
        {
            throw new InvalidDataException($"Row {id} has another id in its 'id'.");
        }
        return entity;
    }

    private static object? Convert(JsonElement value, Column column, Guid id)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return column.Nullable ? null : throw new InvalidDataException($"Row {id}: '{column.Name}' cannot be null.");
        }
        try
        {
            if (column.FromWire is { } fromWire)
            {
                return value.ValueKind == JsonValueKind.String && fromWire(value.GetString()!) is { } e
                    ? e
                    : throw new InvalidDataException($"Row {id}: '{column.Name}' is not one of its values.");
            }
            if (column.Type == typeof(string))
            {
                var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new InvalidDataException($"Row {id}: '{column.Name}' is not a string.");
                return column.MaxLength is { } max && text.Length > max
                    ? throw new InvalidDataException($"Row {id}: '{column.Name}' is longer than {max} characters.")
                    : text;
            }
            if (column.Type == typeof(DateTime))
            {
                return value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                    ? time.UtcDateTime
                    : throw new InvalidDataException($"Row {id}: '{column.Name}' is not a date-time.");
            }
            var converted = value.Deserialize(column.Type, Json);
            if (converted is decimal money && decimal.Round(money, 2) != money)
            {
                throw new InvalidDataException($"Row {id}: '{column.Name}' has more than two decimals.");
            }
            return converted;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new InvalidDataException($"Row {id}: '{column.Name}' is not a {column.Type.Name}.");
        }
    }

    /// <summary>
    /// <c>replica =&gt; new TLocal { Id = replica.Id, … }</c> over every mapped column: a replica set read as the
    /// public set, which EF composes with OData's $filter/$orderby/$select/$count into one SQL query.
    /// </summary>
    public static Expression<Func<TReplica, TLocal>> Projection(IModel model)
    {
        var entity = model.FindEntityType(typeof(TLocal))!;
        var parameter = Expression.Parameter(typeof(TReplica), "replica");
        var bindings = entity.GetProperties()
            .Where(p => p.PropertyInfo is { CanWrite: true })
            .Select(p => Expression.Bind(p.PropertyInfo!, Expression.Property(parameter, p.PropertyInfo!)));
        return Expression.Lambda<Func<TReplica, TLocal>>(Expression.MemberInit(Expression.New(typeof(TLocal)), bindings), parameter);
    }
}

/// <summary>The three federated sets' codecs and replica projections, built once from the model.</summary>
public sealed class FeedRows(CatalogDbContext db)
{
    private static FeedRowCodec<Instruments.Instrument, ReplicaInstrument>? _instruments;
    private static FeedRowCodec<ServiceOfferings.ServiceOffering, ReplicaServiceOffering>? _offerings;
    private static FeedRowCodec<Datasets.Dataset, ReplicaDataset>? _datasets;
    private static Expression<Func<ReplicaInstrument, Instruments.Instrument>>? _instrumentProjection;
    private static Expression<Func<ReplicaServiceOffering, ServiceOfferings.ServiceOffering>>? _offeringProjection;
    private static Expression<Func<ReplicaDataset, Datasets.Dataset>>? _datasetProjection;

    public FeedRowCodec<Instruments.Instrument, ReplicaInstrument> Instruments => _instruments ??= new(db.Model);
    public FeedRowCodec<ServiceOfferings.ServiceOffering, ReplicaServiceOffering> ServiceOfferings => _offerings ??= new(db.Model);
    public FeedRowCodec<Datasets.Dataset, ReplicaDataset> Datasets => _datasets ??= new(db.Model);

    public IQueryable<Instruments.Instrument> ReplicaInstruments(string node) =>
        db.ReplicaInstruments.AsNoTracking().Where(r => r.Node == node)
            .Select(_instrumentProjection ??= FeedRowCodec<Instruments.Instrument, ReplicaInstrument>.Projection(db.Model));

    public IQueryable<ServiceOfferings.ServiceOffering> ReplicaServiceOfferings(string node) =>
        db.ReplicaServiceOfferings.AsNoTracking().Where(r => r.Node == node)
            .Select(_offeringProjection ??= FeedRowCodec<ServiceOfferings.ServiceOffering, ReplicaServiceOffering>.Projection(db.Model));

    public IQueryable<Datasets.Dataset> ReplicaDatasets(string node) =>
        db.ReplicaDatasets.AsNoTracking().Where(r => r.Node == node)
            .Select(_datasetProjection ??= FeedRowCodec<Datasets.Dataset, ReplicaDataset>.Projection(db.Model));
}
