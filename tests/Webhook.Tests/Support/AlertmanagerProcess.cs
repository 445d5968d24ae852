using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Webhook.Tests.Support;

/// <summary>The real Alertmanager binary (Debian's prometheus-alertmanager), on loopback, with a config a test writes.</summary>
public sealed class AlertmanagerProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly string _directory;
    readonly ConcurrentQueue<string> _output = new();
    public string BaseUrl { get; }
    public string Output => string.Join('\n', _output);

    AlertmanagerProcess(Process process, string directory, string baseUrl)
    {
        _process = process;
        _directory = directory;
        BaseUrl = baseUrl;
    }

    public static string Binary =>
        new[] { "/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager", "/usr/bin/alertmanager" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Alertmanager is not installed; tests/run.sh installs Debian's prometheus-alertmanager.");

    public static async Task<AlertmanagerProcess> StartAsync(string configYaml)
    {
        var directory = Path.Combine(Path.GetTempPath(), "webhook-tests", "am-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "alertmanager.yml");
        await File.WriteAllTextAsync(config, configYaml);
        var port = ServiceProcess.FreePort();
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     $"--config.file={config}", $"--storage.path={directory}", $"--web.listen-address=127.0.0.1:{port}",
                     // An empty cluster address turns off gossip: no HA peer, no port outside loopback.
                     "--cluster.listen-address=", "--log.level=debug",
                 })
            info.ArgumentList.Add(arg);
        var process = new Process { StartInfo = info };
        var alertmanager = new AlertmanagerProcess(process, directory, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) alertmanager._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) alertmanager._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"Alertmanager exited:\n{alertmanager.Output}");
            try { return (await http.GetAsync($"{alertmanager.BaseUrl}/-/ready")).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(30), "Alertmanager to be ready");
        return alertmanager;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) { _process.Kill(); await _process.WaitForExitAsync(); }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
