using System.Text.Json;
using DxyqOpenData.Api.Data;

namespace DxyqOpenData.Api.Push;

/// <summary>One failing field of an item: a JSON Pointer within the item and what is wrong.</summary>
public sealed record PushItemError(string Path, string Message);

/// <summary>An item that was not written: its index in the batch, its key (when it has one) and every reason.</summary>
public sealed record PushRejection(int Index, string? Key, IReadOnlyList<PushItemError> Errors);

/// <summary>The answer to a push that wrote (a 200): counts, and with continue-on-error the items left out.</summary>
public sealed record PushResult(int Received, int Accepted, int Created, int Updated, IReadOnlyList<PushRejection> Rejected);

/// <summary>One request's items while they are checked and written, for the caller's unit.</summary>
internal sealed class PushBatch(CatalogDbContext db, string unitId, DateTime now, IReadOnlyList<JsonElement> items)
{
    public CatalogDbContext Db { get; } = db;
    public string UnitId { get; } = unitId;
    public DateTime Now { get; } = now;
    public IReadOnlyList<JsonElement> Items { get; } = items;
    /// <summary>The province this node serves (by <c>Federation:NodeCode</c>): the counties units may be registered in.</summary>
    public Data.Reference.Province? NodeProvince { get; init; }
    public int Count => Items.Count;

    private readonly List<PushItemError>?[] _errors = new List<PushItemError>?[items.Count];
    public string?[] Keys { get; } = new string?[items.Count];

    /// <summary>Where the request's time went (logged at Debug).</summary>
    public PushStages Stages { get; init; } = new();

    public void Fail(int index, string path, string message)
    {
        var list = _errors[index] ??= [];
        lock (list)
        {
            list.Add(new PushItemError(path, message));
        }
    }

    public void Fail(int index, IEnumerable<PushItemError> errors)
    {
        foreach (var e in errors)
        {
            Fail(index, e.Path, e.Message);
        }
    }

    public bool IsValid(int index) => _errors[index] is null;

    /// <summary>
    /// Reads each item's key (<paramref name="keyName"/>, a string) into <see cref="Keys"/>; an item whose key is not
    /// valid Unicode text (a lone surrogate, <c>\ud800</c>) or has a control character fails here with the key's pointer.
    /// </summary>
    public void ReadKeys(string keyName)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Items[i].ValueKind == JsonValueKind.Object && Items[i].TryGetProperty(keyName, out var key) && key.ValueKind == JsonValueKind.String)
            {
                if (!TryGetText(key, out var text))
                {
                    Fail(i, "/" + keyName, NotText);
                }
                else if (text!.Any(char.IsControl))
                {
                    Keys[i] = text;
                    Fail(i, "/" + keyName, "A key may not contain control characters (U+0000–U+001F, U+007F–U+009F).");
                }
                else
                {
                    Keys[i] = text;
                }
            }
        }
    }

    public const string NotText = "Not valid Unicode text: it has a lone surrogate (\\uD800–\\uDFFF without its pair).";

    /// <summary>A JSON string's text, or false when it is not valid Unicode (System.Text.Json refuses lone surrogates).</summary>
    public static bool TryGetText(JsonElement value, out string? text)
    {
        try
        {
            text = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    public IEnumerable<int> ValidIndexes() => Enumerable.Range(0, Count).Where(IsValid);

    public List<PushRejection> Rejections() =>
        [.. Enumerable.Range(0, Count).Where(i => !IsValid(i)).Select(i => new PushRejection(i, Keys[i], _errors[i]!))];
}

/// <summary>A push's (or a supervision sweep's) time per stage (read, parse, validate, rules, write, commit), for the log.</summary>
internal sealed class PushStages
{
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    private readonly List<(string Stage, double Ms)> _stages = [];
    private double _last;

    /// <summary>Closes the stage that ran since the previous mark.</summary>
    public void Mark(string stage)
    {
        var now = _watch.Elapsed.TotalMilliseconds;
        _stages.Add((stage, now - _last));
        _last = now;
    }

    public TimeSpan Elapsed => _watch.Elapsed;

    public override string ToString() =>
        string.Join(", ", _stages.Select(s => $"{s.Stage} {s.Ms:F1}")) + $"; total {_watch.Elapsed.TotalMilliseconds:F1} ms";
}
