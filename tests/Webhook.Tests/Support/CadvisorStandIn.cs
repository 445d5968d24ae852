using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Webhook.Tests.Support;

/// <summary>
/// Serves cAdvisor-shaped <c>container_memory_working_set_bytes</c> on 127.0.0.1, as the kubelet's /metrics/cadvisor
/// does, for two crash-looping pods in namespace "shop", container "app", in compressed time: every
/// <see cref="InstanceLength"/> the container is "killed" and a new instance (a new <c>id</c>) starts.
/// "leaky-0" grows 25Mi a second from 50Mi (a leak); "spiky-0" sits at 30Mi for its first second, then at 240-242Mi
/// (a start-up spike). A pod-level series (container="") of 900Mi must never be read as the container's.
/// </summary>
public sealed class CadvisorStandIn : IAsyncDisposable
{
    public static readonly TimeSpan InstanceLength = TimeSpan.FromSeconds(8);
    const double Mi = 1024 * 1024;

    readonly WebApplication _app;
    readonly Stopwatch _clock = Stopwatch.StartNew();

    CadvisorStandIn(WebApplication app) => _app = app;

    public string HostAndPort => _app.BaseUrl().Authority;

    public static async Task<CadvisorStandIn> StartAsync()
    {
        var app = LoopbackApp.Create();
        var standIn = new CadvisorStandIn(app);
        app.MapGet("/metrics/cadvisor", () => Results.Text(standIn.Exposition(), "text/plain; version=0.0.4"));
        await app.StartAsync();
        return standIn;
    }

    string Exposition()
    {
        var elapsed = _clock.Elapsed.TotalSeconds;
        var instance = (int)(elapsed / InstanceLength.TotalSeconds);
        var sinceStart = elapsed - instance * InstanceLength.TotalSeconds;
        var text = new StringBuilder();
        text.Append("# HELP container_memory_working_set_bytes Current working set of the container in bytes\n");
        text.Append("# TYPE container_memory_working_set_bytes gauge\n");
        Series(text, "leaky-0", instance, 50 * Mi + 25 * Mi * sinceStart);
        Series(text, "spiky-0", instance, sinceStart < 1 ? 30 * Mi : (240 + (int)sinceStart % 2 * 2) * Mi);
        text.Append("# HELP container_oom_events_total Count of out of memory events observed for the container\n");
        text.Append("# TYPE container_oom_events_total counter\n");
        foreach (var pod in new[] { "leaky-0", "spiky-0" })
            text.Append(CultureInfo.InvariantCulture, $"container_oom_events_total{{container=\"app\",id=\"/kubepods/burstable/pod-{pod}\",namespace=\"shop\",pod=\"{pod}\"}} {instance}\n");
        return text.ToString();
    }

    static void Series(StringBuilder text, string pod, int instance, double bytes)
    {
        var id = $"/kubepods/burstable/pod-{pod}/cri-containerd-{instance:x8}";
        text.Append(CultureInfo.InvariantCulture,
            $"container_memory_working_set_bytes{{container=\"app\",id=\"{id}\",image=\"registry.example/{pod}:1\",name=\"{instance:x8}\",namespace=\"shop\",pod=\"{pod}\"}} {Math.Round(bytes)}\n");
        // The pod's cgroup: no container label. Larger than any limit, so reading it would show.
        text.Append(CultureInfo.InvariantCulture,
            $"container_memory_working_set_bytes{{container=\"\",id=\"/kubepods/burstable/pod-{pod}\",image=\"\",name=\"\",namespace=\"shop\",pod=\"{pod}\"}} {900 * Mi}\n");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
