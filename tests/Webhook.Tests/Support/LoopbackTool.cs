using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Webhook.Tests.Support;

/// <summary>A real binary of the monitoring stack (Alertmanager, Prometheus) on a loopback port, in its own folder.</summary>
public sealed class LoopbackTool : IAsyncDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _output = new();
    public string Directory { get; }
    public string BaseUrl { get; }
    public string Output => string.Join('\n', _output);

    LoopbackTool(Process process, string directory, string baseUrl)
    {
        _process = process;
        Directory = directory;
        BaseUrl = baseUrl;
    }

    /// <summary>The folder the tool's files go in, before it starts.</summary>
    public static string NewDirectory(string prefix)
    {
        var directory = Path.Combine(Path.GetTempPath(), "webhook-tests", $"{prefix}-{Guid.NewGuid():n}");
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    public static string Find(string installHint, params string[] candidates) =>
        candidates.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException($"{candidates[0]} is not installed; {installHint}");

    /// <summary>Starts <paramref name="binary"/> with <paramref name="args"/>(port) and waits until GET /-/ready answers 200.</summary>
    public static async Task<LoopbackTool> StartAsync(string binary, string directory, Func<int, IEnumerable<string>> args, TimeSpan readyWithin)
    {
        var port = ServiceProcess.FreePort();
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var arg in args(port)) info.ArgumentList.Add(arg);
        var process = new Process { StartInfo = info };
        var tool = new LoopbackTool(process, directory, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) tool._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) tool._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"{Path.GetFileName(binary)} exited:\n{tool.Output}");
            try { return (await http.GetAsync($"{tool.BaseUrl}/-/ready")).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
        }, readyWithin, $"{Path.GetFileName(binary)} to be ready");
        return tool;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) { _process.Kill(); await _process.WaitForExitAsync(); }
        _process.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
