using k8s.Models;
using Webhook.Alerts;
using Webhook.Collect;
using Webhook.Replay;

namespace Webhook.Tests.Collect;

/// <summary>Bundles in a temporary folder, a replay server over them, and the real collector pointed at it.</summary>
sealed class ReplayHarness : IAsyncDisposable
{
    readonly List<IDisposable> collectors = [];

    public string Root { get; } = Directory.CreateTempSubdirectory("replay-").FullName;
    public ReplayServer? Server { get; private set; }

    public TestBundle Bundle(V1Pod pod) => new(Root, pod);

    public async Task<ReplayServer> StartAsync() => Server = await ReplayServer.StartAsync(BundleStore.Discover(Root));

    public StandaloneCollector Collector(Action<KubernetesOptions>? configure = null)
    {
        var options = new KubernetesOptions { Server = Server!.Url.ToString(), RetryDelay = TimeSpan.FromMilliseconds(1) };
        configure?.Invoke(options);
        var collector = new StandaloneCollector(options);
        collectors.Add(collector);
        return collector;
    }

    public Task<PodSnapshot> CollectAsync(string pod, string? container = null, Action<KubernetesOptions>? configure = null,
        IDictionary<string, string>? labels = null) =>
        Collector(configure).CollectAsync(Alert(pod, container, labels), CancellationToken.None);

    public static AlertContext Alert(string pod, string? container = null, IDictionary<string, string>? labels = null)
    {
        var alert = StandaloneCollector.ManualAlert(TestPods.Ns, pod, container);
        var all = new Dictionary<string, string>(alert.Labels);
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
            all[k] = v;
        return alert with { Labels = all };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in collectors)
            c.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
