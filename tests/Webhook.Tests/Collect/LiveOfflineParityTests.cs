using Webhook.Bundles;
using Webhook.Cli;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Replay;
using Webhook.Tests.Diagnosis;

namespace Webhook.Tests.Collect;

/// <summary>
/// Corpus cases whose dependency is named only in an env value, served by the replay server and collected by the
/// real KubernetesClient: the live collector's env redaction keeps the host, so the live diagnosis is the one
/// `diagnose BUNDLE` gives for the same case (the cause, the dependency and its pod). The replay server only reads
/// the case folders; a `capture` of the live pod concludes the same again.
/// </summary>
public sealed class LiveOfflineParityTests
{
    readonly CrashClassifier classifier = new();

    [Theory]
    [InlineData("dependency-unavailable--jaeger-query-elasticsearch-client-not-ready", "jaeger-elasticsearch-client")]
    [InlineData("dependency-unavailable--kafka-zookeeper-0-pending", "kafka-zookeeper")]
    [InlineData("dependency-unavailable--jaeger-collector-elasticsearch-0-crashloop", "elasticsearch")]
    public async Task AHostNamedOnlyInTheSpecGivesTheLiveRunTheBundlesDiagnosis(string name, string service)
    {
        var c = CorpusCase.Load().Single(c => c.Name == name);
        var offlineSnapshot = BundleReader.Read(c.Folder, c.Expected.Container);
        var offline = classifier.Classify(offlineSnapshot);
        await using var server = await ReplayServer.StartAsync([c.Folder]);
        using var collector = new StandaloneCollector(new KubernetesOptions { Server = server.Url.ToString(), RetryDelay = TimeSpan.FromMilliseconds(1) });

        var snapshot = await collector.CollectAndFollowUpAsync(offlineSnapshot.Namespace, offlineSnapshot.PodName, c.Expected.Container, classifier, CancellationToken.None);
        var live = classifier.Classify(snapshot);

        Assert.Equal(c.Expected.Cause, offline.Cause);
        Assert.True(c.Expected.SpecificsNamed(offline), string.Join("\n", offline.Remediation));
        Assert.Equal(offline.Cause, live.Cause);
        Assert.True(c.Expected.SpecificsNamed(live), string.Join("\n", live.Remediation));
        Assert.Contains($"Service.{snapshot.Namespace}.{service}", snapshot.Objects.Keys);
        Assert.Equal(Dependency(offline), Dependency(live));
        Assert.Equal(offline.Summary, live.Summary);
        Assert.Equal(offline.Remediation, live.Remediation);

        // A capture of the live pod is cut by the same policy and concludes the same.
        var bundle = Directory.CreateTempSubdirectory("capture-").FullName;
        try
        {
            Assert.Equal(0, await CommandLine.RunAsync(["capture", "--server", server.Url.ToString(), "-n", snapshot.Namespace, snapshot.PodName, bundle]));
            var captured = classifier.Classify(BundleReader.Read(bundle, c.Expected.Container));
            Assert.Equal((live.Cause, live.Summary), (captured.Cause, captured.Summary));
            Assert.Equal(Dependency(live), Dependency(captured));
            Assert.Equal(live.Remediation, captured.Remediation);
        }
        finally
        {
            Directory.Delete(bundle, recursive: true);
        }
    }

    /// <summary>What the diagnosis says about the dependency: its endpoints finding and the steps that name the Service.</summary>
    static (string?, string?) Dependency(CrashDiagnosis d) =>
        (d.Findings.FirstOrDefault(f => f.Kind == FindingKinds.ServiceEndpoints)?.Text,
         d.Findings.FirstOrDefault(f => f.Kind == FindingKinds.Unreachable)?.Text);
}
