using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Webhook.Replay;

/// <summary>
/// A loopback HTTP server that answers the Kubernetes API calls of the collector from bundle folders, for
/// integration tests (the real KubernetesClient talks to it) and for the demo. Plain HTTP on 127.0.0.1,
/// a free port, no authentication: it must never be exposed.
/// </summary>
public sealed class ReplayServer : IAsyncDisposable
{
    internal const string IgnoreLimitsKey = "replay.ignore-limits";

    readonly WebApplication app;
    readonly CancellationTokenSource stopping;

    ReplayServer(WebApplication app, Uri url, BundleStore store, ReplayFaults faults, ReplayStats stats, CancellationTokenSource stopping)
    {
        this.app = app;
        this.stopping = stopping;
        Url = url;
        Store = store;
        Faults = faults;
        Stats = stats;
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:41234/, to use as the client's host.</summary>
    public Uri Url { get; }
    public BundleStore Store { get; }
    public ReplayFaults Faults { get; }
    public ReplayStats Stats { get; }

    /// <summary>Starts a server over the given bundle folders (see <see cref="BundleStore"/> for the layout).</summary>
    public static async Task<ReplayServer> StartAsync(IEnumerable<string> bundleFolders, CancellationToken ct = default)
    {
        var store = new BundleStore();
        foreach (var folder in bundleFolders)
            store.Add(folder);
        var faults = new ReplayFaults();
        var stats = new ReplayStats();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        // It runs inside the service's process for the demo: the service's appsettings and environment are not for it.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stopping = new CancellationTokenSource();
        app.Use(async (http, next) =>
        {
            stats.Request(http.Request.Path + http.Request.QueryString);
            foreach (var fault in faults.Matching(http.Request.Path.Value ?? ""))
            {
                if (fault.Delay is { } delay && !await WaitAsync(delay, http.RequestAborted, stopping.Token))
                    return;
                if (fault.Status is { } status)
                {
                    await StatusFor(status, http).ExecuteAsync(http);
                    return;
                }
                if (fault.IgnoreLimits)
                    http.Items[IgnoreLimitsKey] = true;
            }
            await next(http);
        });
        ReplayEndpoints.Map(app, store, stats);
        ReplayMemory.Map(app, store);
        await app.StartAsync(ct);
        var url = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return new ReplayServer(app, url, store, faults, stats, stopping);
    }

    static IResult StatusFor(int status, HttpContext http) => status switch
    {
        403 => KubernetesStatus.Forbidden("get", http.Request.Path.Value?.Split('/').ElementAtOrDefault(5) ?? "resource",
            http.Request.Path.Value?.Split('/').ElementAtOrDefault(4) ?? ""),
        404 => KubernetesStatus.Failure(404, "NotFound", "the server could not find the requested resource"),
        429 => KubernetesStatus.Failure(429, "TooManyRequests", "too many requests, please try again later"),
        _ => KubernetesStatus.Failure(status, "InternalError", $"Internal error occurred: injected fault {status}"),
    };

    /// <summary>False when the client gave up or the server is stopping: then there is no one to answer.</summary>
    static async Task<bool> WaitAsync(TimeSpan delay, CancellationToken aborted, CancellationToken stopping)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        try
        {
            await Task.Delay(delay, either.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }
}
