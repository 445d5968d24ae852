using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Webhook.Tests.Support;

/// <summary>Serves kube-state-metrics-style series on 127.0.0.1 for the pods a test says are crash looping.</summary>
public sealed class KubeStateMetricsStandIn : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentDictionary<(string Namespace, string Pod, string Container), string> _waiting = new();

    KubeStateMetricsStandIn(WebApplication app) => _app = app;

    public string HostAndPort => _app.BaseUrl().Authority;

    public void CrashLooping(string ns, string pod, string container, string uid) => _waiting[(ns, pod, container)] = uid;
    public void Recovered(string ns, string pod, string container) => _waiting.TryRemove((ns, pod, container), out _);

    public static async Task<KubeStateMetricsStandIn> StartAsync()
    {
        var app = LoopbackApp.Create();
        var standIn = new KubeStateMetricsStandIn(app);
        app.MapGet("/metrics", () =>
        {
            var text = new StringBuilder();
            text.Append("# HELP kube_pod_container_status_waiting_reason Describes the reason the container is currently in waiting state.\n");
            text.Append("# TYPE kube_pod_container_status_waiting_reason gauge\n");
            foreach (var ((ns, pod, container), uid) in standIn._waiting)
                text.Append($"kube_pod_container_status_waiting_reason{{namespace=\"{ns}\",pod=\"{pod}\",uid=\"{uid}\",container=\"{container}\",reason=\"CrashLoopBackOff\"}} 1\n");
            return Results.Text(text.ToString(), "text/plain; version=0.0.4");
        });
        await app.StartAsync();
        return standIn;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
