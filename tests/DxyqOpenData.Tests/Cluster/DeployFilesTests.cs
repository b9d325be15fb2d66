using System.Diagnostics;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Cluster;

/// <summary>
/// The systemd units in deploy/ are valid units (<c>systemd-analyze verify</c>: syntax, known settings, an executable
/// ExecStart, the units they require); ClusterTests run their Environment= and ExecStart= lines, and HAProxy checks deploy/haproxy.cfg at every
/// <c>scripts/cluster start</c>.
/// </summary>
public sealed class DeployFilesTests
{
    [Theory]
    [InlineData("dxyq-migrate.service", "dxyq-migrate.service")]
    [InlineData("dxyq-node@.service", "dxyq-node@5081.service")]
    public async Task A_shipped_systemd_unit_verifies(string file, string instance)
    {
        var directory = Directory.CreateTempSubdirectory("dxyq-units-").FullName;
        try
        {
            var unit = Path.Combine(directory, instance);
            File.Copy(RepoRoot.File(Path.Combine("deploy", file)), unit);
            if (file != "dxyq-migrate.service")
            {
                File.Copy(RepoRoot.File("deploy/dxyq-migrate.service"), Path.Combine(directory, "dxyq-migrate.service"));
            }
            var info = new ProcessStartInfo("systemd-analyze", ["verify", unit]) { RedirectStandardOutput = true, RedirectStandardError = true };
            // The units it requires are looked up beside it, then where systemd looks (the trailing colon).
            info.Environment["SYSTEMD_UNIT_PATH"] = directory + ":";
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            // A setting it cannot parse is a line of output with exit code 0: any output is a finding.
            Assert.True(process.ExitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify {instance}: exit {process.ExitCode}\n{output}");
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }
}
