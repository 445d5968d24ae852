using Microsoft.Extensions.Logging;
using Webhook.Tests.Support;
using Webhook.Collect;
using static Webhook.Tests.Collect.TestPods;

namespace Webhook.Tests.Collect;

/// <summary>Alerts the collector must not, or cannot, follow into the API; each still yields a snapshot that says why.</summary>
public sealed class CollectorGuardTests : IAsyncLifetime
{
    readonly ReplayHarness replay = new();

    public async Task InitializeAsync()
    {
        replay.Bundle(Pod("api-1", Container("api"))).Log("api", "boom\n");
        await replay.StartAsync();
    }

    public async Task DisposeAsync() => await replay.DisposeAsync();

    [Fact]
    public async Task ADeniedNamespaceGetsAnAlertOnlySnapshotThatSaysWhyAndNoApiCall()
    {
        var snapshot = await replay.CollectAsync("api-1", "api", o => o.Namespaces.Deny = ["kube-*", "sho?"]);

        Assert.Null(snapshot.Pod);
        Assert.Equal(["namespace 'shop' is denied by Kubernetes:Namespaces:Deny ('sho?'); not inspected"], snapshot.Gaps);
        Assert.Empty(replay.Server!.Stats.Requests);
    }

    [Fact]
    public async Task ANamespaceOutsideTheAllowListGetsAnAlertOnlySnapshot()
    {
        var snapshot = await replay.CollectAsync("api-1", "api", o => o.Namespaces.Allow = ["payments-*"]);

        Assert.Equal(["namespace 'shop' is not in Kubernetes:Namespaces:Allow; not inspected"], snapshot.Gaps);
        Assert.Empty(replay.Server!.Stats.Requests);
    }

    [Theory]
    [InlineData("../../../api/v1/secrets")]
    [InlineData("api-1?watch=true")]
    [InlineData("API-1")]
    public async Task AnInvalidPodNameLabelNeverReachesAUrl(string podLabel)
    {
        var snapshot = await replay.CollectAsync(podLabel, "api");

        Assert.Equal([$"pod label '{podLabel}' is not a valid Kubernetes name; not inspected"], snapshot.Gaps);
        Assert.Empty(replay.Server!.Stats.Requests);
    }

    [Fact]
    public async Task AnInvalidContainerLabelFallsBackToTheMostRestartedContainer()
    {
        var snapshot = await replay.CollectAsync("api-1", "api/../x");

        Assert.Equal("api", snapshot.Container);
        Assert.Equal(["container label 'api/../x' is not a valid Kubernetes name; chose the most restarted container"], snapshot.Gaps);
    }

    [Fact]
    public async Task WithNoClusterConfiguredOneWarningIsLoggedAndSnapshotsAreAlertOnly()
    {
        var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var collector = new StandaloneCollector(new KubernetesOptions(), factory,
            new ClusterEnvironment(InCluster: false, KubeconfigVariable: null, HomeKubeconfig: "/nonexistent/.kube/config"));

        var first = await collector.CollectAsync(ReplayHarness.Alert("api-1", "api"), CancellationToken.None);
        await collector.CollectAsync(ReplayHarness.Alert("api-2", "api"), CancellationToken.None);

        Assert.Null(first.Pod);
        Assert.StartsWith("no Kubernetes cluster configured", Assert.Single(first.Gaps));
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task TheClusterLabelPicksTheKubeconfigContextAndAnUnknownClusterIsAGap()
    {
        var kubeconfig = Path.Combine(replay.Root, "kubeconfig");
        File.WriteAllText(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: replay
              cluster:
                server: {replay.Server!.Url}
            contexts:
            - name: eu-prod
              context: {"{"}cluster: replay, user: nobody{"}"}
            current-context: eu-prod
            users:
            - name: nobody
              user: {"{"}token: replay-token{"}"}
            """);
        void Configure(KubernetesOptions o)
        {
            o.Server = null;
            o.Kubeconfig = kubeconfig;
            o.Clusters = new() { ["eu-1"] = "eu-prod" };
        }

        var known = await replay.CollectAsync("api-1", "api", Configure, new Dictionary<string, string> { ["cluster"] = "eu-1" });
        var unknown = await replay.CollectAsync("api-1", "api", Configure, new Dictionary<string, string> { ["cluster"] = "us-2" });

        Assert.True(known.Gaps.Count == 0, string.Join("; ", known.Gaps));
        Assert.Equal("boom\n", known.PreviousLog!.Text);
        Assert.Equal(["cluster 'us-2' is not in Kubernetes:Clusters; not inspected"], unknown.Gaps);
    }
}
