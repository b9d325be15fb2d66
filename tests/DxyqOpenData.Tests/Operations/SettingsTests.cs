using System.Globalization;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Security;
using Microsoft.Extensions.DependencyInjection;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Operations;

/// <summary>
/// A wrong configuration value stops the node at start with a message naming the setting: for several settings of
/// several sections, generated wrong values (below the lowest allowed, above the highest, text that is no number or
/// duration, a relative issuer) each fail the start, and the failure names <c>Section:Setting</c>. A right value
/// starts the node.
/// </summary>
public sealed class SettingsTests
{
    /// <summary>A setting, a generator of wrong values for it, and the right values it needs beside it.</summary>
    private sealed record Setting(string Name, Func<Random, string> Wrong, Dictionary<string, string?>? With = null);

    private static readonly Dictionary<string, string?> APeer = new() { ["Federation:Peers:0:Code"] = "SH", ["Federation:Peers:0:BaseUrl"] = "https://sh.example.org/" };

    private static string Int(Random r, int min, int max) => r.Next(4) switch
    {
        0 => (min - 1 - r.Next(1000)).ToString(CultureInfo.InvariantCulture),
        1 => ((long)max + 1 + r.Next(1000)).ToString(CultureInfo.InvariantCulture),
        2 => $"{r.Next(10, 99)}x",
        _ => "many",
    };

    private static string Duration(Random r, bool zeroIsWrong) => r.Next(zeroIsWrong ? 4 : 3) switch
    {
        0 => $"-00:00:{r.Next(1, 59):00}",
        1 => $"{r.Next(4000, 9000)}.00:00:00",
        2 => $"{r.Next(2, 9)} minutes",
        _ => "00:00:00",
    };

    private static readonly Setting[] Settings =
    [
        new("Node:Code", r => r.Next(4) switch { 0 => "Z", 1 => $"Z{r.Next(10)}", 2 => "ZJ-HZ", _ => "ZHEJIANGP" }),
        new("Push:MaxItems", r => Int(r, 1, 1_000_000)),
        new("Push:IdempotencyKeyLifetime", r => Duration(r, zeroIsWrong: true)),
        new("Imports:MaxRows", r => Int(r, 1, 10_000_000)),
        new("Imports:FileRetentionDays", r => Int(r, 0, 36_500)),
        new("Imports:LeaseDuration", r => Duration(r, zeroIsWrong: true)),
        new("Imports:OrphanScanInterval", r => Duration(r, zeroIsWrong: true)),
        new("Vouchers:MaxLines", r => Int(r, 1, 10_000_000)),
        new("Demo:Scale", r => r.Next(2) == 0 ? "0" : $"{r.Next(101, 999)}.5"),
        new("Supervision:Sweep:Interval", r => r.Next(2) == 0 ? "00:00:00" : $"-00:{r.Next(1, 59):00}:00"),
        new("Supervision:DefaultRatedHoursPerYear", r => r.Next(2) == 0 ? "0" : $"{r.Next(8785, 20000)}"),
        new("Auth:Issuer", r => $"/relative/{r.Next(100)}"),
        new("Auth:AccessTokenLifetime", r => Duration(r, zeroIsWrong: true)),
        new("SensorBridge:BatchSize", r => Int(r, 1, 1_000_000)),
        new("SensorBridge:SessionLeaseSeconds", r => Int(r, 3, 3600)),
        new("SensorBridge:ReadingRetentionDays", r => Int(r, 0, 36_500)),
        new("SensorBridge:ReadingRetentionInterval", r => Duration(r, zeroIsWrong: true)),
        new("Federation:Harvest:PageSize", r => Int(r, 1, 1000)),
        new("Federation:Harvest:Interval", r => Duration(r, zeroIsWrong: true)),
        new("Federation:Harvest:Timeout", r => Duration(r, zeroIsWrong: true)),
        new("Federation:BreakDuration", r => Duration(r, zeroIsWrong: true)),
        new("Federation:CircuitMinimumThroughput", r => Int(r, 2, 1_000_000)),
        new("Federation:CircuitFailureRatio", r => r.Next(3) switch { 0 => "0", 1 => $"1.{r.Next(1, 9)}", _ => "half" }),
        new("Federation:MaxResponseBytes", r => Int(r, 1024, int.MaxValue)),
        new("Federation:LocalTimeout", r => Duration(r, zeroIsWrong: true)),
        new("Federation:Peers:0:BaseUrl", r => r.Next(3) switch { 0 => $"/relative/{r.Next(100)}", 1 => $"ftp://sh.example.org/{r.Next(100)}", _ => "" }, APeer),
        new("Federation:Peers:0:Code", r => r.Next(2) == 0 ? "zj" : " ", APeer),
        new("Federation:Peers:1:Code", r => r.Next(2) == 0 ? "SH" : "sh", new(APeer) { ["Federation:Peers:1:BaseUrl"] = "https://js.example.org/" }),
        new("Federation:Peers:0:Timeout", r => Duration(r, zeroIsWrong: true), APeer),
    ];

    [Fact]
    public void A_wrong_value_stops_the_node_naming_the_setting()
    {
        var random = new Random(61206);
        foreach (var setting in Settings)
        {
            for (var i = 0; i < 2; i++)
            {
                var value = setting.Wrong(random);
                using var node = new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?>(setting.With ?? []) { [setting.Name] = value });
                var failure = Record.Exception(() => node.CreateClient());
                Assert.True(failure is not null, $"{setting.Name}={value}: the node started");
                var messages = string.Join(" | ", Chain(failure));
                Assert.True(messages.Contains(setting.Name, StringComparison.Ordinal), $"{setting.Name}={value}: {messages}");
            }
        }
    }

    [Fact]
    public void Right_values_start_the_node()
    {
        using var node = new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Push:MaxItems"] = "20000", ["Auth:Issuer"] = "https://dxyq.example.org/", ["Supervision:Sweep:Interval"] = "00:05:00",
            ["SensorBridge:ReadingRetentionDays"] = "0", ["Imports:FileRetentionDays"] = "0",
            ["Node:Code"] = " zj ", ["Federation:Peers:0:Code"] = "sh", ["Federation:Peers:0:BaseUrl"] = "https://sh.example.org/dxyq",
            ["Federation:Peers:1:Code"] = "JS", ["Federation:Peers:1:BaseUrl"] = "https://js.example.org/", ["Federation:Peers:1:TokenUrl"] = "https://login.js.example.org/token",
            ["Federation:Harvest:Enabled"] = "false",
            ["SensorBridge:ReadingRetentionInterval"] = "00:10:00",
        });
        Assert.NotNull(node.CreateClient());
        // Completed as bound: codes upper-cased, a root's final slash added, token URLs resolved against the root.
        var federation = (DxyqOpenData.Federation.FederationOptions)node.Services.GetService(typeof(DxyqOpenData.Federation.FederationOptions))!;
        Assert.Equal("ZJ", federation.NodeCode);
        Assert.Equal("ZJ", node.Services.GetRequiredService<NodeOptions>().Code);
        // The token audience is made from the same code.
        Assert.Equal("dxyq-zj", node.Services.GetRequiredService<AuthOptions>().Audience);
        Assert.Equal(
            [("SH", "https://sh.example.org/dxyq/", "https://sh.example.org/dxyq/connect/token"), ("JS", "https://js.example.org/", "https://login.js.example.org/token")],
            federation.Peers.Select(p => (p.Code, p.BaseUrl.ToString(), p.TokenUrl!.ToString())));
    }

    private static IEnumerable<string> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x.Message;
            if (x is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
