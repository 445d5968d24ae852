using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Webhook.Collect;
using Webhook.Collect.Prometheus;
using static Webhook.Tests.Collect.OwnerChainTests;
using static Webhook.Tests.Collect.TestPods;

namespace Webhook.Tests.Collect;

/// <summary>
/// The shared read cache of a storm, with the real client against the replay server (which counts what it is asked):
/// objects many alerts share go out once per window; the alert's own pod, events and logs every time.
/// </summary>
public sealed class SharedReadsTests : IAsyncLifetime
{
    static readonly DateTime RolledOut = new(2026, 11, 24, 20, 56, 0, DateTimeKind.Utc);
    readonly ReplayHarness replay = new();
    readonly ManualClock clock = new();
    readonly List<IDisposable> owned = [];
    KubernetesConnections? connections;

    sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in owned) d.Dispose();
        await replay.DisposeAsync();
    }

    [Fact]
    public async Task PodsOfOneDeploymentCollectedAtOnceReadItsOwnersAndNodeOnceAndTheirOwnPodEventsAndLogsEach()
    {
        var pods = Enumerable.Range(0, 24).Select(i => $"api-7d9f-{i:00}").ToList();
        foreach (var name in pods)
            DeploymentPod(name);
        await replay.StartAsync();
        var collector = SharedCollector();

        var snapshots = await Task.WhenAll(pods.Select(p => collector.CollectAsync(ReplayHarness.Alert(p, "api"), CancellationToken.None)));

        Assert.All(snapshots, s => Assert.Empty(s.Gaps));
        Assert.Equal(1, Asked("/apis/apps/v1/namespaces/shop/replicasets/api-7d9f"));
        Assert.Equal(1, Asked("/apis/apps/v1/namespaces/shop/replicasets"));
        Assert.Equal(1, Asked("/apis/apps/v1/namespaces/shop/deployments/api"));
        Assert.Equal(1, Asked("/api/v1/nodes/node-a"));
        Assert.All(pods, p => Assert.Equal(1, Asked($"/api/v1/namespaces/shop/pods/{p}")));
        Assert.All(pods, p => Assert.Equal(1, Asked($"/api/v1/namespaces/shop/pods/{p}/log", "previous=true")));
        Assert.Equal(pods.Count, Asked("/api/v1/namespaces/shop/events"));

        // What each alert concludes from the shared objects is what an alert alone concludes.
        var alone = await replay.CollectAsync(pods[0], "api");
        Assert.All(snapshots, s =>
        {
            Assert.Equal((alone.Workload!.Kind, alone.Workload.Name, alone.Workload.Revision, alone.Workload.PreviousRevision),
                (s.Workload!.Kind, s.Workload.Name, s.Workload.Revision, s.Workload.PreviousRevision));
            Assert.Equal(alone.Workload.Changes, s.Workload.Changes);
            Assert.Equal(alone.Node!.AllocatableMemory, s.Node!.AllocatableMemory);
        });
        Assert.Equal(["api: image api:1.8.2 → api:1.9.0", "api: memory limit 256Mi → 128Mi"], alone.Workload!.Changes);
    }

    [Fact]
    public async Task TheSamePodAlertedTwiceWithinTheWindowIsReadAgainButItsOwnersAreNot()
    {
        DeploymentPod("api-7d9f-aa");
        await replay.StartAsync();
        var collector = SharedCollector();

        await collector.CollectAsync(ReplayHarness.Alert("api-7d9f-aa", "api"), CancellationToken.None);
        clock.Now += SharedReadCache.DefaultWindow / 2;
        await collector.CollectAsync(ReplayHarness.Alert("api-7d9f-aa", "api"), CancellationToken.None);

        Assert.Equal(2, Asked("/api/v1/namespaces/shop/pods/api-7d9f-aa"));
        Assert.Equal(2, Asked("/api/v1/namespaces/shop/events"));
        Assert.Equal(1, Asked("/apis/apps/v1/namespaces/shop/deployments/api"));
        Assert.Equal(1, Asked("/api/v1/nodes/node-a"));
    }

    [Fact]
    public async Task AfterTheWindowAChangedDeploymentAndNodeAreReadFresh()
    {
        DeploymentPod("api-7d9f-a1");
        DeploymentPod("api-7d9f-a2");
        await replay.StartAsync();
        var collector = SharedCollector();

        var before = await collector.CollectAsync(ReplayHarness.Alert("api-7d9f-a1", "api"), CancellationToken.None);
        // A rollout and memory pressure since: the replay server now answers the new objects.
        var update = replay.Bundle(Pod("api-7d9f-a1", Container("api")))
            .Owner("deployment.json", Deployment(revision: 8))
            .Node(NodeObject(memoryPressure: true));
        replay.Server!.Store.Add(update.Folder);

        var within = await collector.CollectAsync(ReplayHarness.Alert("api-7d9f-a2", "api"), CancellationToken.None);
        clock.Now += SharedReadCache.DefaultWindow + TimeSpan.FromSeconds(1);
        var after = await collector.CollectAsync(ReplayHarness.Alert("api-7d9f-a2", "api"), CancellationToken.None);

        Assert.Empty(before.Node!.Pressure);
        Assert.Empty(within.Node!.Pressure);
        Assert.Equal(before.Workload!.Changes, within.Workload!.Changes);
        Assert.Equal(["MemoryPressure"], after.Node!.Pressure);
        Assert.Contains("a newer revision 8 of the Deployment exists; this pod runs revision 7", after.Workload!.Changes);
        Assert.Equal(2, Asked("/apis/apps/v1/namespaces/shop/deployments/api"));
        Assert.Equal(2, Asked("/api/v1/nodes/node-a"));
    }

    [Fact]
    public async Task AFailedReadIsNotKeptTheNextAlertAsksAgain()
    {
        DeploymentPod("api-7d9f-b1");
        DeploymentPod("api-7d9f-b2");
        await replay.StartAsync();
        replay.Server!.Faults.Forbid("/deployments/api");
        var collector = SharedCollector();

        var failed = await collector.CollectAsync(ReplayHarness.Alert("api-7d9f-b1", "api"), CancellationToken.None);
        replay.Server.Faults.Clear();
        var next = await collector.CollectAsync(ReplayHarness.Alert("api-7d9f-b2", "api"), CancellationToken.None);

        Assert.Equal(["owner Deployment/api: forbidden"], failed.Gaps);
        Assert.Empty(next.Gaps);
        Assert.Equal(2, Asked("/apis/apps/v1/namespaces/shop/deployments/api"));
        Assert.Equal(1, Asked("/apis/apps/v1/namespaces/shop/replicasets/api-7d9f"));
    }

    [Fact]
    public async Task WhenTheAlertThatAskedRunsOutOfTimeAnAlertWaitingForTheSameObjectAsksItself()
    {
        using var cache = new SharedReadCache(clock, SharedReadCache.DefaultWindow);
        using var firstDeadline = new CancellationTokenSource();
        var reads = 0;
        var firstRead = new TaskCompletionSource<string>();
        Task<string> Read(CancellationToken ct)
        {
            if (Interlocked.Increment(ref reads) > 1) return Task.FromResult("second");
            ct.Register(() => firstRead.TrySetCanceled(ct));
            return firstRead.Task;
        }

        var first = cache.GetAsync("Deployment|shop|api", Read, _ => 1, firstDeadline.Token);
        var waiting = cache.GetAsync("Deployment|shop|api", Read, _ => 1, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await firstDeadline.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal("second", await waiting);
        Assert.Equal(2, reads);
        // The waiter's answer is kept for the others.
        Assert.Equal("second", await cache.GetAsync("Deployment|shop|api", Read, _ => 1, CancellationToken.None));
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task AListIsSharedReadOnlyAndKeyedByItsSelector()
    {
        DeploymentPod("api-7d9f-c1");
        await replay.StartAsync();
        SharedCollector();
        var api = connections!.Resolve(null).Api!;

        var list = await api.ListReplicaSetsAsync(Ns, "app=api", CancellationToken.None);

        Assert.Equal(2, list.Count);
        Assert.Throws<NotSupportedException>(() => list.Clear());
        Assert.Same(list, await api.ListReplicaSetsAsync(Ns, "app=api", CancellationToken.None));
        Assert.Empty(await api.ListReplicaSetsAsync(Ns, "app=web", CancellationToken.None));
        Assert.Equal(2, Asked("/apis/apps/v1/namespaces/shop/replicasets"));
    }

    [Fact]
    public async Task APodsMetricsAreKeptForTheWindowButAMissingAnswerIsNot()
    {
        var bundle = replay.Bundle(Pod("api-7d9f-m1", Container("api")));
        replay.Bundle(Pod("api-7d9f-m2", Container("api")));
        Usage(bundle, "api-7d9f-m1", "250Mi");
        await replay.StartAsync();
        SharedCollector();
        var api = connections!.Resolve(null).Api!;

        var first = await api.GetPodMetricsAsync(Ns, "api-7d9f-m1", CancellationToken.None);
        var again = await api.GetPodMetricsAsync(Ns, "api-7d9f-m1", CancellationToken.None);
        for (var i = 0; i < 2; i++)
            await Assert.ThrowsAnyAsync<Exception>(() => api.GetPodMetricsAsync(Ns, "api-7d9f-m2", CancellationToken.None));

        Assert.Contains("250Mi", first);
        Assert.Same(first, again);
        Assert.Equal(1, Asked("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/api-7d9f-m1"));
        Assert.Equal(2, Asked("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/api-7d9f-m2"));
    }

    [Fact]
    public async Task TheServiceReadsItsClusterThroughTheSharedReadCache()
    {
        DeploymentPod("api-7d9f-s1");
        await replay.StartAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Kubernetes:Server"] = replay.Server!.Url.ToString() }).Build();
        await using var provider = new ServiceCollection().AddLogging().AddPodCollector(configuration).BuildServiceProvider();
        var service = provider.GetRequiredService<IPodCollector>();

        foreach (var _ in Enumerable.Range(0, 3))
            Assert.Empty((await service.CollectAsync(ReplayHarness.Alert("api-7d9f-s1", "api"), CancellationToken.None)).Gaps);

        Assert.Equal(3, Asked("/api/v1/namespaces/shop/pods/api-7d9f-s1"));
        Assert.Equal(1, Asked("/apis/apps/v1/namespaces/shop/deployments/api"));
    }

    [Fact]
    public async Task EveryPodOfAWorkloadGetsItsOwnMemoryUsageFromOneMetricsListRead()
    {
        // An OOM storm without Prometheus asks metrics-server for each pod's usage: one list by the labels the pods
        // share answers all of them (kubectl top pod -l), each pod keeps its own item, a pod the list lacks is a gap.
        V1Pod Labelled(string name, string app)
        {
            var pod = Pod(name, Container("api"));
            pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = app, ["pod-template-hash"] = "7d9f" };
            return pod;
        }
        var pods = new[] { Labelled("api-7d9f-m1", "api"), Labelled("api-7d9f-m2", "api"), Labelled("api-7d9f-m3", "api"), Labelled("web-7d9f-w1", "web") };
        foreach (var pod in pods)
        {
            var bundle = replay.Bundle(pod);
            if (pod.Metadata.Name == "api-7d9f-m3") continue; // restarting too fast for metrics-server to have a sample
            Usage(bundle, pod.Metadata.Name, $"usage-of-{pod.Metadata.Name}");
        }
        await replay.StartAsync();
        SharedCollector();
        using var limiter = new ApiCallLimiter(4);
        var stage = new MemoryHistory(null, new PrometheusOptions(), connections, limiter, TimeSpan.FromSeconds(10), clock);

        var snapshots = await Task.WhenAll(pods.Take(3).Select(pod => stage.AddAsync(
            new PodSnapshot { Namespace = Ns, PodName = pod.Metadata.Name, Container = "api", Pod = pod }, null, CancellationToken.None)));

        foreach (var (snapshot, name) in snapshots.Zip(new[] { "api-7d9f-m1", "api-7d9f-m2" }))
        {
            var usage = snapshot.Objects[MemoryMetrics.PodMetricsKey(Ns, name)];
            Assert.Contains($"usage-of-{name}", usage);
            Assert.DoesNotContain("web-7d9f-w1", usage);
            Assert.Empty(snapshot.Gaps);
        }
        Assert.Empty(snapshots[2].Objects);
        Assert.Contains("memory usage now (metrics.k8s.io): not found", snapshots[2].Gaps);
        Assert.Equal(1, Asked("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"));
        Assert.DoesNotContain(replay.Server!.Stats.Requests, r => r.StartsWith("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhenRbacGrantsGetButNotListOnPodMetricsEachPodIsAskedByName()
    {
        var pod = Pod("api-7d9f-m1", Container("api"));
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "api" };
        var bundle = replay.Bundle(pod);
        Usage(bundle, "api-7d9f-m1", "250Mi");
        await replay.StartAsync();
        replay.Server!.Faults.Forbid("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods");
        SharedCollector();
        using var limiter = new ApiCallLimiter(4);
        var stage = new MemoryHistory(null, new PrometheusOptions(), connections, limiter, TimeSpan.FromSeconds(10), clock);

        var snapshot = await stage.AddAsync(new PodSnapshot { Namespace = Ns, PodName = "api-7d9f-m1", Container = "api", Pod = pod }, null, CancellationToken.None);

        Assert.Contains("250Mi", snapshot.Objects[MemoryMetrics.PodMetricsKey(Ns, "api-7d9f-m1")]);
        Assert.Empty(snapshot.Gaps);
        Assert.Equal(1, Asked("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"));
        Assert.Equal(1, Asked("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/api-7d9f-m1"));
    }

    /// <summary>metrics-server's answer for <paramref name="pod"/> (objects/PodMetrics.NS.POD.json): its container "api" at <paramref name="memory"/>.</summary>
    static void Usage(TestBundle bundle, string pod, string memory)
    {
        Directory.CreateDirectory(Path.Combine(bundle.Folder, "objects"));
        File.WriteAllText(Path.Combine(bundle.Folder, "objects", $"PodMetrics.{Ns}.{pod}.json"),
            $$$"""{"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"{{{pod}}}","namespace":"{{{Ns}}}"},"containers":[{"name":"api","usage":{"memory":"{{{memory}}}"}}]}""");
    }

    void DeploymentPod(string name)
    {
        var pod = Pod(name, Container("api"));
        pod.Metadata.OwnerReferences = [Owner("ReplicaSet", "api-7d9f", "rs-7")];
        pod.Status.ContainerStatuses = [CrashLooping("api", 5, 1, "Error")];
        replay.Bundle(pod).Log("api", "boom\n")
            .Owner("deployment.json", Deployment(revision: 7))
            .Owner("rs-7.json", ReplicaSet("api-7d9f", "rs-7", 7, "api:1.9.0", "128Mi", RolledOut))
            .Owner("rs-6.json", ReplicaSet("api-5c4b", "rs-6", 6, "api:1.8.2", "256Mi", RolledOut.AddDays(-2)));
    }

    /// <summary>The collector as the service wires it: each cluster's API behind a shared read cache, on the test's clock.</summary>
    KubernetesPodCollector SharedCollector()
    {
        var options = new KubernetesOptions { Server = replay.Server!.Url.ToString(), RetryDelay = TimeSpan.FromMilliseconds(1) };
        connections = new KubernetesConnections(options, NullLogger<KubernetesConnections>.Instance,
            share: api => new SharedReadsApi(api, new SharedReadCache(clock, SharedReadCache.DefaultWindow)));
        var limiter = new ApiCallLimiter(options.MaxConcurrentCalls);
        owned.Add(connections);
        owned.Add(limiter);
        return new KubernetesPodCollector(connections, limiter, options, NullLogger<KubernetesPodCollector>.Instance);
    }

    int Asked(string path, string? query = null) =>
        replay.Server!.Stats.Requests.Count(r => r.Split('?')[0] == path && (query is null || r.Contains(query, StringComparison.Ordinal)));
}
