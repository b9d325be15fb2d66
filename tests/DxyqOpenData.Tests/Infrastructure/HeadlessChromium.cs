using System.Diagnostics;

namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>Debian's headless Chromium as the tests drive it: one run with the given arguments, its standard output back.</summary>
public static class HeadlessChromium
{
    public const string Path = "/usr/bin/chromium";

    public static async Task<string> RunAsync(string profile, params string[] args)
    {
        Assert.True(File.Exists(Path), $"{Path} not found: run ./test.sh (it installs Debian's chromium), or apt-get install -y chromium.");
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}",
            // Chromium's own update and account checks must not leave the machine: only loopback resolves.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        using var chromium = Process.Start(start)!;
        var stdout = chromium.StandardOutput.ReadToEndAsync();
        var stderr = chromium.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await chromium.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            chromium.Kill(entireProcessTree: true);
            Assert.Fail($"Chromium did not finish in 90 s. stderr:\n{await stderr}");
        }
        Assert.True(chromium.ExitCode == 0, $"Chromium exited {chromium.ExitCode}. stderr:\n{await stderr}");
        return await stdout;
    }
}
