using System.Reflection;
using System.Runtime.Serialization;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace DxyqOpenData.Api.Data;

/// <summary>
/// Enumerations are stored by their wire names (<c>[EnumMember]</c>: <c>underRepair</c>, <c>voucher</c>), the
/// names the API, the schemas and the pushed documents use. A value read without its converter (OData's
/// <c>$apply</c> boxes group keys) is then still the right word, and SQL written by hand matches the API.
/// </summary>
public sealed class WireNameConverter<TEnum>() : ValueConverter<TEnum, string>(v => WireNames<TEnum>.ToWire(v), s => WireNames<TEnum>.FromWire(s))
    where TEnum : struct, Enum;

public static class WireNames<TEnum> where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> ToWireNames = typeof(TEnum).GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToDictionary(f => (TEnum)f.GetValue(null)!, f => f.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? f.Name);

    private static readonly Dictionary<string, TEnum> FromWireNames = ToWireNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string ToWire(TEnum value) => ToWireNames.TryGetValue(value, out var name) ? name : value.ToString();

    public static TEnum FromWire(string name) => FromWireNames.TryGetValue(name, out var value)
        ? value
        : Enum.Parse<TEnum>(name, ignoreCase: true);
}
