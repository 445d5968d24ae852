using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Webhook.Tests.Support;

/// <summary>The service as its own OS process (the Webhook.dll next to the tests), for kill -9 and real Alertmanager tests.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _output = new();
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public string Output => string.Join('\n', _output);

    ServiceProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static ServiceProcess Start(IDictionary<string, string> settings, int? port = null, params string[] args)
    {
        var chosen = port ?? FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Webhook.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{chosen}";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        info.Environment["Kubernetes__Enabled"] = "false";
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;

        var process = new Process { StartInfo = info };
        var service = new ServiceProcess(process, chosen);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"The service exited with {_process.ExitCode}:\n{Output}");
            try { return (await http.GetAsync($"{BaseUrl}/readyz")).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
            // A first answer slower than the client's timeout (a loaded machine, the JIT) is "not yet", not a failure.
            catch (TaskCanceledException) { return false; }
        }, timeout, "the service to answer /readyz");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod: the service shuts down gracefully.</summary>
    public void Terminate()
    {
        if (!_process.HasExited && kill(_process.Id, 15) != 0)
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int signal);

    /// <summary>Sends a signal by name (TERM, INT: what Ctrl+C sends) with kill(1), as a supervisor or a terminal would.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: no shutdown hooks, no flush, like the OOM killer or a node loss.</summary>
    public void KillHard()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        KillHard();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
