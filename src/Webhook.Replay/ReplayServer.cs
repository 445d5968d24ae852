using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Webhook.Replay;

/// <summary>
/// A loopback HTTP server that answers the Kubernetes API calls of the collector from bundle folders, for
/// integration tests (the real KubernetesClient talks to it) and for the demo. Plain HTTP on 127.0.0.1,
/// a free port, no authentication: it must never be exposed. Fault injection is not part of it (the shipped
/// program's <c>demo</c> uses it): tests add it with tests/Webhook.Replay.Faults through <see cref="Intercept"/>.
/// </summary>
public sealed class ReplayServer : IAsyncDisposable
{
    /// <summary>Set in <c>HttpContext.Items</c> by an interceptor: serve whole log files, ignoring tailLines/limitBytes.</summary>
    public const string IgnoreLimitsKey = "replay.ignore-limits";

    readonly WebApplication app;
    readonly CancellationTokenSource stopping;

    ReplayServer(WebApplication app, Uri url, BundleStore store, ReplayStats stats, CancellationTokenSource stopping)
    {
        this.app = app;
        this.stopping = stopping;
        Url = url;
        Store = store;
        Stats = stats;
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:41234/, to use as the client's host.</summary>
    public Uri Url { get; }
    public BundleStore Store { get; }
    public ReplayStats Stats { get; }

    /// <summary>Cancelled when the server stops, so that an interceptor holding a request can let go.</summary>
    public CancellationToken Stopping => stopping.Token;

    /// <summary>
    /// Runs before every request's endpoint (tests' fault injection): it answers itself, or calls the endpoint.
    /// Null in the shipped program.
    /// </summary>
    public Func<HttpContext, RequestDelegate, Task>? Intercept { get; set; }

    /// <summary>Starts a server over the given bundle folders (see <see cref="BundleStore"/> for the layout).</summary>
    public static async Task<ReplayServer> StartAsync(IEnumerable<string> bundleFolders, CancellationToken ct = default)
    {
        var store = new BundleStore();
        foreach (var folder in bundleFolders)
            store.Add(folder);
        var stats = new ReplayStats();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        // It runs inside the service's process for the demo: the service's appsettings and environment are not for it.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stopping = new CancellationTokenSource();
        ReplayServer? server = null;
        app.Use(async (http, next) =>
        {
            stats.Request(http.Request.Path + http.Request.QueryString);
            if (server?.Intercept is { } intercept)
                await intercept(http, next);
            else
                await next(http);
        });
        ReplayEndpoints.Map(app, store, stats);
        ReplayMemory.Map(app, store);
        await app.StartAsync(ct);
        var url = new Uri(app.Urls.First().TrimEnd('/') + "/");
        server = new ReplayServer(app, url, store, stats, stopping);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }
}
