using k8s;
using k8s.Models;
using Webhook.Bundles;

namespace Webhook.Tests.Diagnosis;

public class BundleReaderTests
{
    [Fact]
    public void ABundleBecomesASnapshotWithPodEventsAndPreviousLog()
    {
        using var bundle = TempBundle.From(new Crash { Log = "boom", Events = [Crash.Event("BackOff", "Back-off restarting failed container app")] });
        var snapshot = BundleReader.Read(bundle.Path);
        Assert.Equal("api-7d9f", snapshot.PodName);
        Assert.Equal("shop", snapshot.Namespace);
        Assert.Equal("app", snapshot.Container);
        Assert.Single(snapshot.Events);
        Assert.Equal("boom", snapshot.PreviousLog?.Text);
        Assert.Null(snapshot.CurrentLog);
    }

    [Fact]
    public void MissingEventsAndLogsAreGapsNotErrors()
    {
        using var bundle = new TempBundle().Write("pod.json", KubernetesJson.Serialize(new Crash().Snapshot().Pod!));
        var snapshot = BundleReader.Read(bundle.Path);
        Assert.Empty(snapshot.Events);
        Assert.Null(snapshot.PreviousLog);
        Assert.Contains(snapshot.Gaps, g => g.Contains("events.json"));
    }

    [Fact]
    public void ABareArrayOfEventsIsAccepted()
    {
        using var bundle = TempBundle.From(new Crash()).Write("events.json", $"[{KubernetesJson.Serialize(Crash.Event("BackOff", "x"))}]");
        Assert.Single(BundleReader.Read(bundle.Path).Events);
    }

    [Fact]
    public void TheMostRestartedContainerIsChosenIncludingInitContainers()
    {
        var pod = new Crash().Snapshot().Pod!;
        pod.Spec.InitContainers = [new V1Container { Name = "migrate", Image = "migrate:1" }];
        pod.Status.InitContainerStatuses = [new V1ContainerStatus { Name = "migrate", Image = "migrate:1", ImageID = "", RestartCount = 30 }];
        using var bundle = new TempBundle().Write("pod.json", KubernetesJson.Serialize(pod));
        Assert.Equal("migrate", BundleReader.Read(bundle.Path).Container);
    }

    [Fact]
    public void NoPodJsonIsAClearError()
    {
        using var bundle = new TempBundle();
        var e = Assert.Throws<BundleException>(() => BundleReader.Read(bundle.Path));
        Assert.StartsWith("no pod.json in", e.Message);
    }

    [Fact]
    public void InvalidJsonIsAClearError()
    {
        using var bundle = new TempBundle().Write("pod.json", "{ \"metadata\": ");
        var e = Assert.Throws<BundleException>(() => BundleReader.Read(bundle.Path));
        Assert.Contains("is not valid JSON", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void WellFormedJsonOfTheWrongShapeIsAClearError()
    {
        using var bundle = new TempBundle().Write("pod.json", "{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"yesterday\"}}");
        var e = Assert.Throws<BundleException>(() => BundleReader.Read(bundle.Path));
        Assert.Contains("pod.json", e.Message);
    }

    [Fact]
    public void AnUnknownContainerIsAClearErrorNamingTheKnownOnes()
    {
        using var bundle = TempBundle.From(new Crash());
        var e = Assert.Throws<BundleException>(() => BundleReader.Read(bundle.Path, "sidecar"));
        Assert.Equal("unknown container 'sidecar' in pod api-7d9f (it has: app)", e.Message);
    }

    [Fact]
    public void OnlyTheLastQuarterMegabyteOfAHugeLogIsRead()
    {
        using var bundle = TempBundle.From(new Crash());
        var path = System.IO.Path.Combine(bundle.Path, "logs", "app.previous.log");
        using (var writer = new StreamWriter(path))
        {
            for (var i = 0; i < 200_000; i++) writer.WriteLine($"INFO line {i} of a very chatty service");
            writer.WriteLine("LAST LINE");
        }
        Assert.True(new FileInfo(path).Length > 8_000_000);

        var log = BundleReader.Read(bundle.Path).PreviousLog!;
        Assert.True(log.Truncated);
        Assert.True(log.Text.Length <= BundleReader.MaxLogBytes);
        Assert.StartsWith("INFO line", log.Text);
        Assert.EndsWith("LAST LINE\n", log.Text);
    }
}
