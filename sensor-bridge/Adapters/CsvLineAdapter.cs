using System.Globalization;
using System.Text;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Adapters;

/// <summary>
/// <c>csv-line</c>: one UTF-8 line <c>seq,epochSeconds,state,watts</c>, e.g. <c>42,1772323200,running,1520.5</c>.
/// Seq and watts may be empty; state is <c>off</c>, <c>standby</c> or <c>running</c>; a trailing newline is allowed.
/// </summary>
public sealed class CsvLineAdapter : IPayloadAdapter
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public string Format => "csv-line";

    public bool TryRead(ReadOnlySpan<byte> payload, out RawReading reading, out ReadFailure failure)
    {
        reading = default;
        string line;
        try { line = StrictUtf8.GetString(payload).TrimEnd('\r', '\n'); }
        catch (DecoderFallbackException) { return Fail(out failure, DeadLetterReasons.Malformed, "not UTF-8"); }

        var fields = line.Split(',');
        if (fields.Length != 4) return Fail(out failure, DeadLetterReasons.Malformed, $"expected 4 fields, got {fields.Length}");

        long? seq = null;
        if (fields[0].Length > 0)
        {
            if (!long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                return Fail(out failure, DeadLetterReasons.InvalidValue, "seq is not a non-negative integer");
            seq = s;
        }
        if (!long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || !Epoch.TryFromSeconds(seconds, out var timestamp))
            return Fail(out failure, DeadLetterReasons.InvalidValue, "epochSeconds is not a valid time");
        if (!TryState(fields[2], out var state))
            return Fail(out failure, DeadLetterReasons.UnknownState, $"state '{Clip(fields[2])}'");
        double? power = null;
        if (fields[3].Length > 0)
        {
            if (!double.TryParse(fields[3], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var watts) || !double.IsFinite(watts))
                return Fail(out failure, DeadLetterReasons.InvalidValue, "watts is not a non-negative number");
            power = watts;
        }
        reading = new RawReading(timestamp, state, power, seq);
        failure = ReadFailure.None;
        return true;
    }

    private static bool TryState(string text, out RunStateKind state)
    {
        state = text.ToLowerInvariant() switch
        {
            "off" => RunStateKind.Off,
            "standby" => RunStateKind.Standby,
            "running" => RunStateKind.Running,
            _ => (RunStateKind)(-1),
        };
        return Enum.IsDefined(state);
    }

    private static string Clip(string s) => s.Length <= 32 ? s : s[..32] + "…";

    private static bool Fail(out ReadFailure failure, string reason, string detail)
    {
        failure = new ReadFailure(reason, detail);
        return false;
    }
}
