using System.Text.Json;
using System.Text.Json.Serialization;
using DxyqOpenData.Api.Catalog;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// Reads a report's rules file (evaluation.json, rewards.json): administrators edit it, so it is read each time a report
/// is computed and a file that is unreadable or breaks a rule throws naming what is wrong (the reports answer 503).
/// </summary>
internal static class RulesFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip };

    public static string PathOf(IConfiguration configuration, string setting, string fileName) =>
        configuration[setting] ?? Path.Combine(AppContext.BaseDirectory, "Data", "Reference", fileName);

    public static T Load<T>(string path, string what, Func<T, IEnumerable<string>> problems) where T : class
    {
        T? rules;
        try
        {
            rules = JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"The {what} file {path} cannot be read: {e.Message}", e);
        }
        var found = rules is null ? ["it is empty"] : problems(rules).ToList();
        return found.Count == 0 ? rules! : throw new InvalidDataException($"The {what} file {path} is wrong: {string.Join("; ", found)}.");
    }

    /// <summary>The rules file as it is now; a broken file is the operator's to fix: 503 naming what is wrong.</summary>
    public static bool TryLoad<T>(Func<T> load, string title, out T? rules, out ProblemHttpResult? problem) where T : class
    {
        try
        {
            rules = load();
            problem = null;
            return true;
        }
        catch (InvalidDataException e)
        {
            rules = null;
            problem = TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ProblemTypes.ServerError, title: title, detail: e.Message);
            return false;
        }
    }
}
