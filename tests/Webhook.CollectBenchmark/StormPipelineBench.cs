using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webhook.Replay;

namespace Webhook.CollectBenchmark;

/// <summary>
/// A storm through the whole service, as a process of its own (tests/Webhook.TestHost, the service with test
/// switches): PODS crash-looping pods posted as Alertmanager groups of 100, delivered to a generic webhook that this
/// process receives. Up to three times in one run: with a collector that returns snapshots prepared from the same
/// bundles (the baseline: classification, storage and delivery without collection, JIT test host), collected from the
/// replay API server by the JIT test host, and collected by the Native AOT executable the image ships (when
/// <c>--aot EXE</c> is given; it has no test switches and needs none). The service's own CPU time and peak RSS come
/// from /proc; API calls are the replay server's requests. Prints a Markdown report.
/// </summary>
static class StormPipelineBench
{
    sealed record Result(string Name, int Alerts, double Seconds, double CpuMs, double SecondHalfCpuMs, int ApiCalls, long PeakRss, int Delivered, int Posts,
        long Attempts, long Collections, string Status);

    public static async Task RunAsync(string host, string? aot, int count)
    {
        var root = Directory.CreateTempSubdirectory("storm-bench-").FullName;
        try
        {
            var pods = StormBundles.Write(root, count, logMegabytes: 1);
            await using var replay = await ReplayServer.StartAsync(BundleStore.Discover(root));
            var posts = 0;
            await using var receiver = await StartReceiverAsync(() => Interlocked.Increment(ref posts));
            var hook = receiver.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
                .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First() + "/hook";

            // STORM_ONLY=prepared|collected|aot runs one row (profiling); the report always has them all.
            var only = Environment.GetEnvironmentVariable("STORM_ONLY");
            var collect = new Dictionary<string, string> { ["Kubernetes__Server"] = replay.Url.ToString() };
            var prepared = only is null or "prepared" ? await RunOnceAsync("prepared snapshots (baseline: no collection; JIT test host)", Jit(host, ["--prepared-snapshots", root]),
                pods, replay, hook, () => Volatile.Read(ref posts), new() { ["Kubernetes__Enabled"] = "false" }) : null;
            var collected = only is null or "collected" ? await RunOnceAsync("collected from the replay API server, JIT test host", Jit(host, []),
                pods, replay, hook, () => Volatile.Read(ref posts), collect) : null;
            var callsAfterJit = replay.Stats.Requests.Count;
            var shipped = aot is not null && only is null or "aot" ? await RunOnceAsync("**collected, Native AOT image** (the service as shipped)", Native(aot!),
                pods, replay, hook, () => Volatile.Read(ref posts), collect) : null;
            Report(count, [.. new[] { prepared, collected, shipped }.OfType<Result>()]);
            // The baseline has Kubernetes off: every request is a collected row's; the calls by path are the JIT row's
            // (the AOT row makes the same requests: its calls per alert are in the table).
            StormCalls.Report(count, collected is not null ? replay.Stats.Requests.Take(callsAfterJit).ToList() : replay.Stats.Requests);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    static async Task<WebApplication> StartReceiverAsync(Func<int> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            received();
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>How a row starts the service: the program, its arguments before --urls and after, its working folder.</summary>
    sealed record Service(string Program, string[] Before, string[] After, string? Folder);

    /// <summary>The JIT test host with its switches, run by the dotnet host from the benchmark's folder.</summary>
    static Service Jit(string host, string[] switches) => new("dotnet", [host], switches, null);

    /// <summary>The AOT executable as the image starts it: no arguments, from its own folder (WORKDIR /app).</summary>
    static Service Native(string executable) => new(Path.GetFullPath(executable), [], [], Path.GetDirectoryName(Path.GetFullPath(executable)));

    static async Task<Result> RunOnceAsync(string name, Service service, IReadOnlyList<string> pods, ReplayServer replay, string hook, Func<int> posts,
        Dictionary<string, string> settings)
    {
        var inbox = Directory.CreateTempSubdirectory("storm-inbox-").FullName;
        var port = FreePort();
        var info = new ProcessStartInfo(service.Program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (service.Folder is not null) info.WorkingDirectory = service.Folder;
        foreach (var a in (string[])[.. service.Before, "--urls", $"http://127.0.0.1:{port}", .. service.After]) info.ArgumentList.Add(a);
        info.Environment["Inbox__Path"] = Path.Combine(inbox, "inbox.db");
        info.Environment["Auth__BearerToken"] = "bench";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Routes__default__Webhook__Url"] = hook;
        foreach (var (key, value) in settings) info.Environment[key] = value;
        // STORM_SERVICE_X=v sets X=v for the service only (e.g. DOTNET_EnableEventPipe for a trace of the service).
        foreach (var variable in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("STORM_SERVICE_", StringComparison.Ordinal)))
            info.Environment[variable["STORM_SERVICE_".Length..]] = Environment.GetEnvironmentVariable(variable);
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", "bench");
        try
        {
            while (!await ReadyAsync(http))
            {
                if (process.HasExited) throw new InvalidOperationException($"the service exited: {output}");
                await Task.Delay(20);
            }
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var callsBefore = replay.Stats.Requests.Count;
            var postsBefore = posts();
            var start = Stopwatch.GetTimestamp();
            // Alertmanager's shape: groups of up to 100 alerts, a few groups in flight.
            var started = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O");
            await Parallel.ForEachAsync(pods.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (group, ct) =>
            {
                var alerts = new JsonArray(group.Select(pod => (JsonNode)new JsonObject
                {
                    ["status"] = "firing",
                    ["labels"] = new JsonObject { ["alertname"] = "KubePodCrashLooping", ["namespace"] = "bench", ["pod"] = pod, ["container"] = "app" },
                    ["annotations"] = new JsonObject(),
                    ["startsAt"] = started, ["endsAt"] = "0001-01-01T00:00:00Z", ["fingerprint"] = $"storm-{pod}",
                }).ToArray());
                var body = new JsonObject { ["version"] = "4", ["status"] = "firing", ["receiver"] = "bench", ["groupKey"] = "{}:{alertname=\"KubePodCrashLooping\"}", ["alerts"] = alerts };
                var response = await http.PostAsync("/alerts", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
                response.EnsureSuccessStatusCode();
            });
            // Done when every item has left the queue (delivered, or joined a digest that was posted). The CPU at
            // the post of the first half's last alert splits warm-up (JIT, tiering, first connections) from steady state.
            JsonNode? status;
            var cpuAtHalf = Task.Run(async () =>
            {
                while (posts() - postsBefore < pods.Count / 2 && !process.HasExited) await Task.Delay(5);
                using var self = Process.GetProcessById(process.Id);
                return self.TotalProcessorTime;
            });
            while (true)
            {
                status = JsonNode.Parse(await http.GetStringAsync("/status"))!["inbox"];
                if ((long)status!["pending"]! == 0 && (long)status["inFlight"]! == 0) break;
                if (process.HasExited) throw new InvalidOperationException($"the service exited: {output}");
                await Task.Delay(100);
            }
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            var cpuAfter = process.TotalProcessorTime;
            var cpu = (cpuAfter - cpuBefore).TotalMilliseconds;
            var peak = process.PeakWorkingSet64;
            var metrics = await http.GetStringAsync("/metrics");
            if (Environment.GetEnvironmentVariable("STORM_METRICS") is not null) Console.Error.WriteLine(string.Join("\n", metrics.Split("\n").Where(l => l.StartsWith("webhook_"))));
            return new Result(name, pods.Count, seconds, cpu, (cpuAfter - await cpuAtHalf).TotalMilliseconds, replay.Stats.Requests.Count - callsBefore, peak,
                (int)(long)status["delivered"]!, posts() - postsBefore,
                Sum(metrics, "webhook_deliveries_total{"), Sum(metrics, "webhook_stage_duration_seconds_count{", "stage=\"collect\""), status.ToJsonString());
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync();
            Directory.Delete(inbox, recursive: true);
        }
    }

    /// <summary>
    /// A counter of the service's /metrics, summed over its series (those whose labels contain <paramref name="label"/>):
    /// webhook_deliveries_total counts every delivery attempt (an item sent back because its destination was busy
    /// comes again), the collect stage's count every collection (the whole pipeline ran for the item).
    /// </summary>
    static long Sum(string metrics, string series, string label = "") =>
        metrics.Split('\n').Where(l => l.StartsWith(series, StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));

    static async Task<bool> ReadyAsync(HttpClient http)
    {
        try { return (await http.GetAsync("/readyz")).IsSuccessStatusCode; }
        catch (HttpRequestException) { return false; }
    }

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    static void Report(int count, IReadOnlyList<Result> results)
    {
        var baseline = results[0];
        Console.WriteLine($"| pipeline | end to end | service CPU / alert | : baseline | second half's CPU / alert | API calls / alert | delivery attempts / alert | collections / alert | peak RSS | delivered items | webhook posts |");
        Console.WriteLine($"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            Console.WriteLine($"| {r.Name} | {r.Seconds:0.0} s | {r.CpuMs / r.Alerts:0.00} ms | {r.CpuMs / baseline.CpuMs:0.00} | " +
                $"{r.SecondHalfCpuMs / (r.Alerts - r.Alerts / 2):0.00} ms | {(double)r.ApiCalls / r.Alerts:0.00} | {(double)r.Attempts / r.Alerts:0.00} | {(double)r.Collections / r.Alerts:0.00} | " +
                $"{r.PeakRss / 1048576.0:0} MB | {r.Delivered} | {r.Posts} |");
        Console.WriteLine();
        foreach (var r in results) Console.WriteLine($"Inbox at the end, {r.Name.Replace("**", "")}: `{r.Status}`");
    }
}
