using System.Text.Encodings.Web;
using System.Text.Json;

namespace DxyqOpenData.Api.Operations;

/// <summary>
/// How the node writes JSON outside OData: Chinese (any non-ASCII) text as UTF-8, not <c>\uXXXX</c>. Every body is
/// served as <c>application/json</c> (or printed by a command), never inlined into HTML or a script, so characters
/// that only matter there (<c>&lt; &gt; &amp; '</c>) need no escaping; quotes, backslashes and control characters still are.
/// </summary>
public static class JsonText
{
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>camelCase names, the web defaults, UTF-8 text.</summary>
    public static JsonSerializerOptions Web { get; } = new(JsonSerializerDefaults.Web) { Encoder = Encoder };

    public static JsonWriterOptions Writer { get; } = new() { Encoder = Encoder };

    /// <summary>Minimal-API results (<c>TypedResults.Ok</c>, problem details) write UTF-8 text too.</summary>
    public static IHostApplicationBuilder AddJsonText(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = Encoder);
        return builder;
    }
}
