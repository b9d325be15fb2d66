using System.Diagnostics;
using System.Text.Json;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.OpenApi;

/// <summary>
/// openapi.yaml is what peers and unit systems generate clients from, so it must be valid OpenAPI and pass the Redocly
/// recommended rules with no warning (redocly.yaml, accepted findings in .redocly.lint-ignore.yaml). test.sh installs
/// the Redocly CLI (`npm ci --prefix tests/tools`).
/// </summary>
public sealed class OpenApiLintTests
{
    private sealed record Totals(int Errors, int Warnings, int Ignored);

    private sealed record Problem(string RuleId, string Severity, string Message, List<Location>? Location);

    private sealed record Location(string? Pointer);

    private sealed record LintReport(Totals Totals, List<Problem> Problems);

    [Fact]
    public async Task Committed_openapi_yaml_passes_the_redocly_lint_without_warnings()
    {
        var cli = RepoRoot.File("tests/tools/node_modules/@redocly/cli/bin/cli.js");
        Assert.True(File.Exists(cli), "Redocly CLI is not installed: run `npm ci --prefix tests/tools` (test.sh does it).");

        var start = new ProcessStartInfo("node", [cli, "lint", "openapi.yaml", "--format=json"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot.Path,
        };
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var lint = Process.Start(start)!;
        var stdout = lint.StandardOutput.ReadToEndAsync();
        var stderr = lint.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await lint.WaitForExitAsync(timeout.Token);

        var json = await stdout;
        var report = JsonSerializer.Deserialize<LintReport>(json[json.IndexOf('{')..], JsonSerializerOptions.Web)!;
        var problems = string.Join("\n", report.Problems.Select(p =>
            $"  {p.Severity} {p.RuleId} at {p.Location?.FirstOrDefault()?.Pointer}: {p.Message}"));
        Assert.True(report.Totals.Errors == 0 && report.Totals.Warnings == 0,
            $"redocly lint: {report.Totals.Errors} errors, {report.Totals.Warnings} warnings\n{problems}\n{await stderr}");
    }
}
