using Microsoft.AspNetCore.Mvc;
using Microsoft.OData;

namespace DxyqOpenData.Api.Catalog;

/// <summary>OData error bodies (<c>{"error":{"code","message","target"}}</c>) without the library's stack traces.</summary>
public static class ODataErrors
{
    public static BadRequestObjectResult BadRequest(string code, string message, string? target = null) =>
        new(new ODataError { Code = code, Message = message, Target = target });

    /// <summary>An OData error body with another status than 400.</summary>
    public static ObjectResult Error(int status, string code, string message, string? target = null) =>
        new(new ODataError { Code = code, Message = message, Target = target }) { StatusCode = status };

    /// <summary>The library reports query errors as a SerializableError holding the exception; keep only the words.</summary>
    public static IActionResult FromLibraryResult(IActionResult result)
    {
        if (result is not BadRequestObjectResult { Value: SerializableError error })
        {
            return result;
        }
        var message = error.TryGetValue("Message", out var m) ? m as string : null;
        var detail = error.TryGetValue("ExceptionMessage", out var d) ? d as string : null;
        var text = string.Join(" ", new[] { message, detail }.Where(s => !string.IsNullOrEmpty(s) && !(message?.Contains(s!, StringComparison.Ordinal) == true && s != message)).Distinct());
        if (string.IsNullOrEmpty(text))
        {
            text = "The query specified in the URI is not valid.";
        }
        var code = LimitWords.Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase)) ? "QueryLimitExceeded" : "InvalidQuery";
        return BadRequest(code, text, TargetOf(text));
    }

    private static readonly string[] LimitWords = ["limit", "exceeded", "too deep", "maximum"];

    /// <summary>The query option a message is about, when it says.</summary>
    private static string? TargetOf(string message)
    {
        foreach (var (word, option) in Options)
        {
            if (message.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return option;
            }
        }
        return null;
    }

    private static readonly (string Word, string Option)[] Options =
    [
        ("for Top query", "$top"), ("for Skip query", "$skip"), ("MaxExpansionDepth", "$expand"), ("expansion depth", "$expand"),
        ("node count", "$filter"), ("MaxNodeCount", "$filter"), ("OrderBy", "$orderby"), ("$apply", "$apply"), ("$select", "$select"),
    ];
}
