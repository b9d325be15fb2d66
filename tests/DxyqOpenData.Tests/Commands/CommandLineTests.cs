using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Imports;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Commands;

/// <summary>
/// The administrator commands as the docs write them, <c>dotnet run --project api -v q -- COMMAND …</c>, run as a
/// process from another directory (only <c>-c Release --no-build</c> added: the tests' build): standard output is the
/// result alone (JSON lines parse, Chinese as UTF-8 text), and a relative FILE is the caller's, not <c>api/</c>'s.
/// </summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Clients_add_reads_a_relative_jwks_from_the_callers_directory_and_list_prints_clean_utf8_json()
    {
        using var node = new SqliteNode();
        _ = node.Services; // migrated, demo loaded
        var caller = Directory.CreateTempSubdirectory("dxyq-caller-").FullName;
        try
        {
            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            var p = rsa.ExportParameters(false);
            await File.WriteAllTextAsync(Path.Combine(caller, "unit-jwks.json"), new JsonObject
            {
                ["keys"] = new JsonArray(new JsonObject
                {
                    ["kty"] = "RSA", ["n"] = Convert.ToBase64String(p.Modulus!).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
                    ["e"] = Convert.ToBase64String(p.Exponent!).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
                }),
            }.ToJsonString());
            string[] names = ["浙江大学 分析测试中心"];
            var database = $"--Database:ConnectionString={node.ConnectionString}";

            var added = Run(caller, "clients", "add", "--name", names[0], "--scopes", "federation", "--jwks", "./unit-jwks.json", database);
            var listed = Run(caller, "clients", "list", database);

            Assert.True(added.Exit == 0, added.Err);
            Assert.False(JsonNode.Parse(added.Out)!.AsObject().ContainsKey("clientSecret"));
            Assert.True(listed.Exit == 0, listed.Err);
            var lines = listed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(lines, line => JsonDocument.Parse(line).Dispose()); // nothing but JSON on standard output
            Assert.Contains(names[0], listed.Out); // UTF-8 text, not \uXXXX
            Assert.DoesNotContain("\\u", listed.Out);
            Assert.Contains(lines, l => JsonNode.Parse(l)!["name"]!.GetValue<string>() == names[0] && JsonNode.Parse(l)!["authMethod"]!.GetValue<string>() == "private_key_jwt");
        }
        finally
        {
            Directory.Delete(caller, true);
        }
    }

    [Fact]
    public async Task Import_takes_a_relative_file_from_the_callers_directory()
    {
        using var node = new SqliteNode();
        var address = node.StartOnLoopback();
        var ((unit, instrument), _) = await ImportsTests.UnitsAsync(node);
        var client = await node.AddClientAsync("records.write,records.read", unit);
        var prefix = $"REL-{Guid.NewGuid():N}"[..20];
        var caller = Directory.CreateTempSubdirectory("dxyq-caller-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(caller, "monthly"));
            await File.WriteAllTextAsync(Path.Combine(caller, "monthly", "2026-03.csv"),
                ImportsTests.Csv([ImportsTests.Row($"{prefix}-1", instrument), ImportsTests.Row($"{prefix}-2", instrument)]), new UTF8Encoding(false));

            var result = Run(caller, "import", "./monthly/2026-03.csv", "--kind", "service-records", "--server", address,
                "--client", client.ClientId, "--secret", client.ClientSecret!, "--interval", "100");

            Assert.True(result.Exit == 0, $"{result.Out}\n{result.Err}");
            Assert.StartsWith("import ", result.Out); // the summary, with nothing before it
            Assert.Contains("2 rows, 2 accepted, 0 rejected", result.Out);
            Assert.Equal(2L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE '{prefix}%'"));
        }
        finally
        {
            Directory.Delete(caller, true);
        }
    }

    private static (int Exit, string Out, string Err) Run(string workingDirectory, params string[] command)
    {
        string[] args = ["run", "--project", RepoRoot.File("api"), "-c", "Release", "--no-build", "-v", "q", "--", .. command];
        using var process = Process.Start(new ProcessStartInfo("dotnet", args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the command did not finish within 3 minutes");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
