using System.Text.Json;
using DxyqOpenData.Api.Data;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// Reads a money amount (every decimal of the push documents is CNY), refusing one the node cannot store: amounts are
/// kept as integer fen in 64 bits, so at most <see cref="Money.MaxCny"/>. The schemas bound the scale, not the size.
/// </summary>
internal sealed class MoneyJsonConverter : System.Text.Json.Serialization.JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var value) || !Money.CanStore(value))
        {
            throw new JsonException($"An amount in CNY is at most {Money.MaxCny:N2}.");
        }
        return value;
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}
