using Microsoft.Extensions.Options;
using Webhook.Bundles;
using Webhook.Collect;
using Webhook.Collect.Prometheus;
using Webhook.Diagnosis;

namespace Webhook.Cli;

/// <summary>
/// Memory history for the command line: <c>diagnose --namespace</c> adds it before the diagnosis, <c>capture</c> writes
/// it into the bundle (metrics/NAME.json, objects/PodMetrics.NS.POD.json), both only for an OOM-like diagnosis.
/// Prometheus comes from <c>--prometheus</c>, else the service's variable <c>Prometheus__Url</c>.
/// </summary>
public sealed class MemoryHistoryCli : IDisposable
{
    readonly ApiCallLimiter limiter;
    readonly HttpClient? http;

    public MemoryHistory History { get; }

    MemoryHistoryCli(MemoryHistory history, ApiCallLimiter limiter, HttpClient? http)
    {
        History = history;
        this.limiter = limiter;
        this.http = http;
    }

    /// <exception cref="OptionsValidationException">The URL is not an absolute http(s) URL.</exception>
    public static MemoryHistoryCli Create(string? url, StandaloneCollector collector)
    {
        url = string.IsNullOrWhiteSpace(url) ? Environment.GetEnvironmentVariable("Prometheus__Url") : url;
        var options = new PrometheusOptions { Url = url, Timeout = ClusterCliOptions.Timeout };
        var result = new PrometheusOptionsValidator().Validate(null, options);
        if (result.Failed)
            throw new OptionsValidationException(PrometheusOptions.Section, typeof(PrometheusOptions), result.Failures);
        var limiter = new ApiCallLimiter(collector.Options.MaxConcurrentCalls);
        (PrometheusApi Api, HttpClient Http)? client = options.Enabled ? PrometheusApi.Create(options) : null;
        var history = new MemoryHistory(client?.Api, options, collector.Connections, limiter, ClusterCliOptions.Timeout, TimeProvider.System);
        return new MemoryHistoryCli(history, limiter, client?.Http);
    }

    /// <summary>The snapshot with its memory answers when its first diagnosis is OOM-like; as it was otherwise.</summary>
    public async Task<PodSnapshot> EnrichAsync(PodSnapshot snapshot, CancellationToken ct) =>
        MemoryHistory.Wants(new CrashClassifier().Classify(snapshot)) ? await History.AddAsync(snapshot, null, ct) : snapshot;

    /// <summary>Adds the memory answers to a bundle just captured; the files written (relative) and the gaps.</summary>
    public async Task<(IReadOnlyList<string> Files, IReadOnlyList<string> Gaps)> CaptureAsync(string folder, CancellationToken ct)
    {
        PodSnapshot before;
        try
        {
            before = BundleReader.Read(folder);
        }
        catch (BundleException e)
        {
            return ([], [$"memory history: the captured bundle cannot be read back ({e.Message})"]);
        }
        var after = await EnrichAsync(before, ct);
        var files = new List<string>();
        foreach (var (name, json) in after.Metrics.Where(m => !before.Metrics.ContainsKey(m.Key)))
            files.Add(await WriteAsync(folder, "metrics", name, json, ct));
        foreach (var (name, json) in after.Objects.Where(o => !before.Objects.ContainsKey(o.Key)))
            files.Add(await WriteAsync(folder, "objects", name, json, ct));
        return (files, after.Gaps.Skip(before.Gaps.Count).ToList());
    }

    static async Task<string> WriteAsync(string folder, string kind, string name, string json, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(folder, kind));
        var relative = Path.Combine(kind, name + ".json");
        await File.WriteAllTextAsync(Path.Combine(folder, relative), json, ct);
        return relative;
    }

    public void Dispose()
    {
        http?.Dispose();
        limiter.Dispose();
    }
}
