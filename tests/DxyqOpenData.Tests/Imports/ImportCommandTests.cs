using System.Text;
using DxyqOpenData.Api.Commands;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Imports;

/// <summary>
/// The <c>import</c> command end to end: a node on a real Kestrel port, a registered client, the command gets its token,
/// uploads, polls with its progress bar and prints the rejected rows.
/// </summary>
public sealed class ImportCommandTests
{
    [Fact]
    public async Task The_import_command_uploads_polls_and_prints_the_rejected_rows()
    {
        using var node = new SqliteNode();
        var address = node.StartOnLoopback();
        var ((unit, instrument), _) = await ImportsTests.UnitsAsync(node);
        var client = await node.AddClientAsync("records.write,records.read", unit);
        var prefix = $"CLI-{Guid.NewGuid():N}"[..20];
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllBytesAsync(file, Encoding.GetEncoding("GB18030").GetBytes(ImportsTests.Csv([
            ImportsTests.Row($"{prefix}-1", instrument),
            ImportsTests.Row($"{prefix}-2", instrument, fee: "一千"),
            ImportsTests.Row($"{prefix}-3", instrument),
        ])));
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var exit = await ImportCommand.RunAsync(
                [file, "--kind", "service-records", "--server", address, "--client", client.ClientId, "--secret", client.ClientSecret!, "--interval", "100"],
                stdout, stderr);

            Assert.True(exit == 1, $"exit {exit}\n{stdout}\n{stderr}");
            Assert.Contains("\r[", stderr.ToString());
            Assert.Contains("] 100%", stderr.ToString());
            var output = stdout.ToString();
            Assert.Contains("row 3 [服务费(元)]", output);
            Assert.Contains("3 rows, 2 accepted, 1 rejected", output);
            Assert.Equal(2L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE '{prefix}%'"));

            var wrong = new StringWriter();
            Assert.Equal(2, await ImportCommand.RunAsync(
                [file, "--kind", "service-records", "--server", address, "--client", client.ClientId, "--secret", "wrong"], new StringWriter(), wrong));
            Assert.Contains("no token", wrong.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_progress_bar_is_redrawn_in_place()
    {
        Assert.Equal("\r[#####.....]  50%", ImportCommand.ProgressBar(0.5, 10));
        Assert.Equal("\r[..........]   0%", ImportCommand.ProgressBar(0, 10));
        Assert.Equal("\r[##########] 100%", ImportCommand.ProgressBar(1, 10));
    }

    [Fact]
    public void The_command_line_splits_the_import_options_from_the_hosts()
    {
        var (command, host) = AdminCommands.Split(["import", "march.csv", "--kind", "service-records", "--server", "http://x", "--client", "c", "--secret", "s", "--urls", "http://y"]);
        Assert.Equal(["import", "march.csv", "--kind", "service-records", "--server", "http://x", "--client", "c", "--secret", "s"], command);
        Assert.Equal(["--urls", "http://y"], host);
    }
}
