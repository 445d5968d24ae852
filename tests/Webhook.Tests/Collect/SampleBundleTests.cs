using Webhook.Cli;
using Webhook.Collect;
using Webhook.Replay;

namespace Webhook.Tests.Collect;

/// <summary>The bundles shipped for the demo replay cleanly, and capture writes them back in the same layout.</summary>
public sealed class SampleBundleTests : IAsyncLifetime
{
    readonly string samples = DemoCommand.FindSamples() ?? throw new InvalidOperationException("tests/samples not found");
    readonly string output = Directory.CreateTempSubdirectory("capture-").FullName;
    ReplayServer server = null!;

    public async Task InitializeAsync() => server = await DemoCommand.StartReplayAsync(samples);

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(output, recursive: true);
    }

    [Theory]
    [InlineData("checkout-6f7d8c9b5-x2x7k", "checkout", LogSource.Previous)]
    [InlineData("orders-api-7c9d5b6f4-qwe7r", "orders-api", LogSource.Previous)]
    [InlineData("search-5b8f7d6c4-lmn3p", "search", LogSource.Previous)]
    public async Task EverySampleReplaysWithoutGaps(string pod, string container, LogSource source)
    {
        using var collector = new StandaloneCollector(new KubernetesOptions { Server = server.Url.ToString() });

        var snapshot = await collector.CollectAsync("demo", pod, null, CancellationToken.None);

        Assert.Empty(snapshot.Gaps);
        Assert.Equal(container, snapshot.Container);
        Assert.Equal(source, snapshot.PreviousLog!.Source);
        Assert.NotEmpty(snapshot.Events);
    }

    [Fact]
    public async Task TheOomSampleTellsWhichRolloutLoweredTheMemoryLimit()
    {
        using var collector = new StandaloneCollector(new KubernetesOptions { Server = server.Url.ToString() });

        var snapshot = await collector.CollectAsync("demo", "checkout-6f7d8c9b5-x2x7k", "checkout", CancellationToken.None);

        Assert.Equal(("Deployment", "checkout", "7", "6"), (snapshot.Workload!.Kind, snapshot.Workload.Name, snapshot.Workload.Revision, snapshot.Workload.PreviousRevision));
        Assert.Equal(
        [
            "checkout: image registry.example.com/shop/checkout:2.13.2 → registry.example.com/shop/checkout:2.14.0",
            "checkout: memory request 512Mi → 256Mi",
            "checkout: memory limit 512Mi → 256Mi",
        ], snapshot.Workload.Changes);
        Assert.Equal("14782Mi", snapshot.Node!.AllocatableMemory);
    }

    [Fact]
    public async Task CaptureWritesTheTaxonomyLayoutAndTheCapturedBundleReplaysTheSame()
    {
        var exit = await CommandLine.RunAsync(["capture", "--server", server.Url.ToString(), "-n", "demo", "checkout-6f7d8c9b5-x2x7k", output]);

        Assert.Equal(0, exit);
        string[] expected =
        [
            "events.json", "logs/checkout.log", "logs/checkout.previous.log", "node.json",
            // The follow-up answer of the blast radius (the sample namespace has no Service to add).
            "objects/Deployment.demo.checkout.json",
            "owners/deployment-checkout.json", "owners/replicaset-checkout-58c4d7b9f.json", "owners/replicaset-checkout-6f7d8c9b5.json", "pod.json",
        ];
        Assert.Equal(expected, Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllText(Path.Combine(samples, "oom-killed/logs/checkout.previous.log")), File.ReadAllText(Path.Combine(output, "logs/checkout.previous.log")));

        await using var replayOfCapture = await ReplayServer.StartAsync([output]);
        using var original = new StandaloneCollector(new KubernetesOptions { Server = server.Url.ToString() });
        using var recaptured = new StandaloneCollector(new KubernetesOptions { Server = replayOfCapture.Url.ToString() });
        var a = await original.CollectAsync("demo", "checkout-6f7d8c9b5-x2x7k", "checkout", CancellationToken.None);
        var b = await recaptured.CollectAsync("demo", "checkout-6f7d8c9b5-x2x7k", "checkout", CancellationToken.None);
        Assert.Equal((a.PreviousLog, a.CurrentLog, a.Events.Count), (b.PreviousLog, b.CurrentLog, b.Events.Count));
        Assert.Equal(a.Workload!.Changes, b.Workload!.Changes);
        Assert.Equal(a.Gaps, b.Gaps);
    }
}
