using System.Globalization;
using System.Text.Json;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.SensorBridge.Vendors;

namespace DxyqOpenData.SensorBridge.Adapters;

/// <summary>Reads any JSON vendor format described by a <see cref="VendorFormat"/> (see <c>Vendors/vendors.json</c>).</summary>
public sealed class JsonVendorAdapter(VendorFormat vendor) : IPayloadAdapter
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    public string Format => vendor.Format;

    public bool TryRead(ReadOnlySpan<byte> payload, out RawReading reading, out ReadFailure failure)
    {
        reading = default;
        // JsonDocument only checks UTF-8 when a string is read, and then throws: refuse bad bytes up front.
        if (!System.Text.Unicode.Utf8.IsValid(payload)) return Fail(out failure, DeadLetterReasons.Malformed, "not UTF-8");
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            document = JsonDocument.ParseValue(ref reader);
            if (reader.Read()) return Fail(out failure, DeadLetterReasons.Malformed, "text after the JSON value");
        }
        catch (JsonException e) { return Fail(out failure, DeadLetterReasons.Malformed, e.Message); }
        catch (ArgumentException e) { return Fail(out failure, DeadLetterReasons.Malformed, e.Message); }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail(out failure, DeadLetterReasons.Malformed, "not a JSON object");
            if (!TryTimestamp(root, out var timestamp, out failure)) return false;
            if (!TryState(root, out var state, out failure)) return false;
            if (!TryPower(root, out var power, out failure)) return false;
            if (!TrySeq(root, out var seq, out failure)) return false;
            reading = new RawReading(timestamp, state, power, seq);
            return true;
        }
    }

    private bool TryTimestamp(JsonElement root, out DateTime utc, out ReadFailure failure)
    {
        utc = default;
        var field = vendor.Timestamp;
        if (!TryFind(root, field.Path, out var value)) return Fail(out failure, DeadLetterReasons.Malformed, $"no {field.Path}");
        var ok = field.Kind switch
        {
            TimestampKind.Iso8601 => value.ValueKind == JsonValueKind.String && TryIso(value.GetString()!, out utc),
            TimestampKind.EpochMilliseconds => value.TryGetInt64(out var ms) && Epoch.TryFromMilliseconds(ms, out utc),
            TimestampKind.EpochSeconds => value.TryGetInt64(out var s) && Epoch.TryFromSeconds(s, out utc),
            _ => false,
        };
        return ok ? Ok(out failure) : Fail(out failure, DeadLetterReasons.InvalidValue, $"{field.Path} is not a {field.Kind} time");
    }

    private static bool TryIso(string text, out DateTime utc)
    {
        utc = default;
        // An offset is required: a local time without one would be guessed, and guessed hours are wrong hours.
        if (!DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            && !DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out t))
            return false;
        utc = t.UtcDateTime;
        return true;
    }

    private bool TryState(JsonElement root, out RunStateKind state, out ReadFailure failure)
    {
        state = default;
        var field = vendor.State;
        if (!TryFind(root, field.Path, out var value)) return Fail(out failure, DeadLetterReasons.Malformed, $"no {field.Path}");
        var key = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        if (key is not null && field.Map.TryGetValue(key, out state)) return Ok(out failure);
        return Fail(out failure, DeadLetterReasons.UnknownState, $"{field.Path} = {Clip(value.GetRawText())}");
    }

    private bool TryPower(JsonElement root, out double? watts, out ReadFailure failure)
    {
        watts = null;
        if (vendor.Power is not { } field) return Ok(out failure);
        if (field.Path is not null)
        {
            if (!TryFind(root, field.Path, out var value) || value.ValueKind == JsonValueKind.Null) return Ok(out failure);
            if (!TryNonNegative(value, out var number)) return Fail(out failure, DeadLetterReasons.InvalidValue, $"{field.Path} is not a non-negative number");
            watts = field.Unit == "kW" ? number * 1000 : number;
            return Ok(out failure);
        }
        var hasVolts = TryFind(root, field.VoltagePath!, out var v);
        var hasAmps = TryFind(root, field.CurrentPath!, out var a);
        if (!hasVolts && !hasAmps) return Ok(out failure);
        if (!hasVolts || !hasAmps || !TryNonNegative(v, out var volts) || !TryNonNegative(a, out var amps))
            return Fail(out failure, DeadLetterReasons.InvalidValue, $"{field.VoltagePath} and {field.CurrentPath} must both be non-negative numbers");
        var powerFactor = field.PowerFactor ?? 1.0;
        if (field.PowerFactorPath is not null && TryFind(root, field.PowerFactorPath, out var pf))
        {
            if (!TryNonNegative(pf, out powerFactor) || powerFactor > 1)
                return Fail(out failure, DeadLetterReasons.InvalidValue, $"{field.PowerFactorPath} is not between 0 and 1");
        }
        watts = Math.Round(volts * amps * powerFactor, 1);
        return Ok(out failure);
    }

    private bool TrySeq(JsonElement root, out long? seq, out ReadFailure failure)
    {
        seq = null;
        if (vendor.Seq is not { } field || !TryFind(root, field.Path, out var value) || value.ValueKind == JsonValueKind.Null) return Ok(out failure);
        if (!value.TryGetInt64(out var number) || number < 0) return Fail(out failure, DeadLetterReasons.InvalidValue, $"{field.Path} is not a non-negative integer");
        seq = number;
        return Ok(out failure);
    }

    private static bool TryNonNegative(JsonElement value, out double number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out number) && double.IsFinite(number) && number >= 0;
    }

    private static bool TryFind(JsonElement root, string path, out JsonElement value)
    {
        value = root;
        foreach (var name in path.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value)) return false;
        }
        return true;
    }

    private static string Clip(string s) => s.Length <= 32 ? s : s[..32] + "…";

    private static bool Ok(out ReadFailure failure)
    {
        failure = ReadFailure.None;
        return true;
    }

    private static bool Fail(out ReadFailure failure, string reason, string detail)
    {
        failure = new ReadFailure(reason, detail);
        return false;
    }
}
