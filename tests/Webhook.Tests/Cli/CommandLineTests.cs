using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;
using Webhook.Cli;
using Webhook.Tests.Support;

namespace Webhook.Tests.Cli;

/// <summary>
/// The program as a new user meets it: run as its own process, it says what it does, never starts the service by
/// accident, and answers every mistake with one line and an exit code a script can rely on (2 usage, 1 runtime).
/// </summary>
public sealed class CommandLineTests : IAsyncLifetime
{
    static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);
    readonly string temp = Path.Combine(Path.GetTempPath(), "webhook-tests", $"cli-{Guid.NewGuid():n}");
    Webhook.Replay.ReplayServer? replay;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(temp);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (replay is not null) await replay.DisposeAsync();
        Directory.Delete(temp, recursive: true);
    }

    Dictionary<string, string> Settings() => new() { ["Inbox:Path"] = Path.Combine(temp, "inbox.db") };

    async Task<(int Exit, string[] Lines, string Output)> RunAsync(params string[] args)
    {
        await using var process = ServiceProcess.Start(Settings(), args: args);
        var exit = await process.WaitForExitAsync(Exit);
        return (exit, process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), process.Output);
    }

    async Task<string> ReplayUrlAsync()
    {
        replay ??= await DemoCommand.StartReplayAsync(DemoCommand.FindSamples()!);
        return replay.Url.ToString();
    }

    [Theory]
    [InlineData("help")]
    [InlineData("-?")]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("demo", "--help")]
    [InlineData("diagnose", "--help")]
    [InlineData("capture", "--help")]
    [InlineData("replay", "--help")]
    [InlineData("version", "--help")]
    [InlineData("help", "diagnose")]
    public async Task HelpExplainsWithAnExampleAndNeverStartsTheService(params string[] args)
    {
        var (exit, _, output) = await RunAsync(args);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output);
        Assert.Contains("Example", output);
        Assert.DoesNotContain("Now listening", output);
        Assert.False(File.Exists(Path.Combine(temp, "inbox.db")), "help created the inbox");
    }

    [Fact]
    public async Task TheRootHelpListsEveryCommand()
    {
        var (_, _, output) = await RunAsync("--help");

        foreach (var verb in new[] { "serve", "demo", "diagnose", "capture", "replay", "version" })
            Assert.Contains($"  {verb}", output);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--bogus")]
    [InlineData("serve", "--bogus")]
    [InlineData("serve", "extra")]
    [InlineData("demo", "--bogus")]
    [InlineData("diagnose", "--bogus", "bundle")]
    [InlineData("diagnose", "bundle", "--bogus")]
    [InlineData("capture", "-n", "demo", "pod", "out", "--bogus")]
    [InlineData("diagnose")]
    [InlineData("capture", "-n", "demo", "pod")]
    [InlineData("diagnose", "bundle", "--output", "yaml")]
    [InlineData("capture", "-n", "Not_A_Namespace", "pod", "out")]
    public async Task AUsageMistakeIsOneLineAndExitCode2(params string[] args)
    {
        var (exit, lines, output) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Single(lines);
        Assert.DoesNotContain("Now listening", output);
        Assert.False(File.Exists(Path.Combine(temp, "inbox.db")), "a mistake started the service");
    }

    [Fact]
    public async Task LiveDiagnoseOfAPodThatDoesNotExistSaysSoAndExits1()
    {
        var (exit, lines, _) = await RunAsync("diagnose", "--server", await ReplayUrlAsync(), "--namespace", "demo", "nope");

        Assert.Equal(1, exit);
        var line = Assert.Single(lines);
        Assert.StartsWith("diagnose: pod demo/nope", line);
        Assert.DoesNotContain("unknown", line);
    }

    [Fact]
    public async Task LiveDiagnoseOfAnUnreachableApiServerSaysSoAndExits1()
    {
        var (exit, lines, output) = await RunAsync("diagnose", "--server", $"http://127.0.0.1:{ServiceProcess.FreePort()}", "--namespace", "demo", "api-0");

        Assert.Equal(1, exit);
        Assert.StartsWith("diagnose: pod demo/api-0", Assert.Single(lines));
        Assert.DoesNotContain("kubectl logs", output);
    }

    [Fact]
    public async Task CommandLineErrorsNameTheFlagNotTheConfigurationKey()
    {
        var (exit, lines, _) = await RunAsync("diagnose", "--kubeconfig", Path.Combine(temp, "missing-kubeconfig"), "--namespace", "demo", "api-0");

        Assert.Equal(1, exit);
        var line = Assert.Single(lines);
        Assert.Contains("--kubeconfig", line);
        Assert.DoesNotContain("Kubernetes:", line);
    }

    [Fact]
    public async Task CaptureCreatesAFolderThatDoesNotExist()
    {
        var output = Path.Combine(temp, "not", "yet", "there");

        var (exit, _, log) = await RunAsync("capture", "--server", await ReplayUrlAsync(), "-n", "demo", "checkout-6f7d8c9b5-x2x7k", output);

        Assert.True(exit == 0, log);
        Assert.True(File.Exists(Path.Combine(output, "pod.json")));
    }

    [Fact]
    public async Task CaptureIntoAFolderThatCannotBeCreatedIsOneLine()
    {
        var file = Path.Combine(temp, "a-file");
        await File.WriteAllTextAsync(file, "");

        var (exit, lines, _) = await RunAsync("capture", "--server", await ReplayUrlAsync(), "-n", "demo", "checkout-6f7d8c9b5-x2x7k", Path.Combine(file, "bundle"));

        Assert.Equal(1, exit);
        Assert.StartsWith("capture: cannot create the folder", Assert.Single(lines));
    }

    [Fact]
    public async Task VersionPrintsTheVersionOfDirectoryBuildProps()
    {
        var expected = XDocument.Load(Repo.PathOf("Directory.Build.props")).Descendants("Version").Single().Value;

        foreach (var arg in new[] { "version", "--version" })
        {
            var (exit, lines, _) = await RunAsync(arg);
            Assert.Equal(0, exit);
            Assert.Equal(expected, Assert.Single(lines));
        }
    }

    [Fact]
    public async Task ABusyPortIsOneLineNamingTheAddressAndTheSettingThatChangesIt()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        await using var service = ServiceProcess.Start(Settings(), port);
        var exit = await service.WaitForExitAsync(Exit);

        Assert.Equal(2, exit);
        var line = Assert.Single(service.Output.Split('\n'), l => l.Contains($"127.0.0.1:{port}"));
        Assert.StartsWith("serve: ", line);
        Assert.Contains("--urls", line);
        Assert.Contains("ASPNETCORE_URLS", line);
        Assert.DoesNotContain("   at ", service.Output);
    }

    [Theory]
    [InlineData("TERM", "serve")]
    [InlineData("INT", "serve")]
    [InlineData("TERM", "demo")]
    [InlineData("INT", "demo")]
    public async Task TheServiceStopsOnSigtermAndCtrlC(string signal, string verb)
    {
        await using var service = ServiceProcess.Start(Settings(), args: verb);
        await service.WaitUntilReadyAsync(Exit);

        await service.SignalAsync(Deliverable(signal));

        Assert.Equal(0, await service.WaitForExitAsync(Exit));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task ReplayStopsOnSigtermAndCtrlC(string signal)
    {
        await using var tool = ServiceProcess.Start(Settings(), args: "replay");
        await Eventually.TrueAsync(() => tool.Output.Contains("Ctrl+C stops it") || tool.HasExited, Exit, "replay to print its URL");

        await tool.SignalAsync(Deliverable(signal));

        Assert.Equal(0, await tool.WaitForExitAsync(Exit));
        Assert.Contains("replay: stopped.", tool.Output);
    }

    /// <summary>
    /// A test run started as a background job (`cmd &` without job control) inherits SIGINT ignored, and so does the
    /// service it starts: by POSIX a background job does not get Ctrl+C, and .NET keeps an inherited ignore. Ctrl+C
    /// cannot be tried then, so the stop is tried with SIGTERM; everywhere else INT is sent as asked.
    /// </summary>
    static string Deliverable(string signal) => signal == "INT" && SigIntIgnoredHere() ? "TERM" : signal;

    static bool SigIntIgnoredHere()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }
}
