using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Webhook.Tests.Support;

/// <summary>The real Prometheus binary (Debian's prometheus) on loopback, with a config and rule file a test writes.</summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly string _directory;
    readonly ConcurrentQueue<string> _output = new();
    public string BaseUrl { get; }
    public string Output => string.Join('\n', _output);

    PrometheusProcess(Process process, string directory, string baseUrl)
    {
        _process = process;
        _directory = directory;
        BaseUrl = baseUrl;
    }

    public static async Task<PrometheusProcess> StartAsync(string configYaml, IReadOnlyDictionary<string, string> files)
    {
        var directory = Path.Combine(Path.GetTempPath(), "webhook-tests", "prom-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(directory);
        foreach (var (name, content) in files) await File.WriteAllTextAsync(Path.Combine(directory, name), content);
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, configYaml);
        var port = ServiceProcess.FreePort();
        var binary = new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Prometheus is not installed; tests/run.sh installs Debian's prometheus.");
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var arg in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port}" })
            info.ArgumentList.Add(arg);
        var process = new Process { StartInfo = info };
        var prometheus = new PrometheusProcess(process, directory, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) prometheus._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) prometheus._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"Prometheus exited:\n{prometheus.Output}");
            try { return (await http.GetAsync($"{prometheus.BaseUrl}/-/ready")).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(60), "Prometheus to be ready");
        return prometheus;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) { _process.Kill(); await _process.WaitForExitAsync(); }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
