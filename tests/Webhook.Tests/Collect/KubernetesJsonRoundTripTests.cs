using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Webhook.Collect;
using Webhook.Tests.Support;

namespace Webhook.Tests.Collect;

/// <summary>
/// What an API server returns is read into the client's models with the service's own JSON (KubernetesObjectJson)
/// and written back out (follow-up answers, capture): it must read and write as the client library's serializer
/// does, untyped fields (managedFields' FieldsV1, a ControllerRevision's data) included.
/// </summary>
public sealed class KubernetesJsonRoundTripTests
{
    [Fact]
    public void AConfigMapWithManagedFieldsIsWrittenBackAsRead()
    {
        const string json = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app","namespace":"shop","managedFields":[{"manager":"kubectl","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:DB_HOST":{}}}}]},"data":{"DB_HOST":"db"}}""";
        var written = KubernetesObjectJson.Serialize(KubernetesObjectJson.Deserialize<V1ConfigMap>(json));
        Assert.Contains("\"f:DB_HOST\"", written);
    }

    [Fact]
    public void AControllerRevisionsDataIsWrittenBackAsRead()
    {
        const string json = """{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"db-1","namespace":"shop"},"revision":1,"data":{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"api:1"}]}}}}}""";
        var written = KubernetesObjectJson.Serialize(KubernetesObjectJson.Deserialize<V1ControllerRevision>(json));
        Assert.Contains("\"image\":\"api:1\"", written);
    }

    [Theory]
    [InlineData("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z")]
    [InlineData("2026-03-01T10:00:00.5Z", "2026-03-01T10:00:00.500000Z")]
    // The API writes nanoseconds in places (events' eventTime); a .NET tick holds seven digits.
    [InlineData("2026-03-01T10:00:00.123456789Z", "2026-03-01T10:00:00.123456Z")]
    [InlineData("2026-03-01T12:00:00+02:00", "2026-03-01T10:00:00Z")]
    public void TimestampsAreReadInEveryRfc3339FormAndWrittenInUtcAsTheClientDoes(string read, string written)
    {
        var json = $$$"""{"metadata":{"name":"p","creationTimestamp":"{{{read}}}"}}""";
        Assert.Contains($"\"creationTimestamp\":\"{written}\"", KubernetesObjectJson.Serialize(KubernetesObjectJson.Deserialize<V1Pod>(json)));
        Assert.Equal(KubernetesJson.Serialize(KubernetesJson.Deserialize<V1Pod>(json)), KubernetesObjectJson.Serialize(KubernetesObjectJson.Deserialize<V1Pod>(json)));
    }

    [Fact]
    public void ANonTimestampIsAFormatErrorNotADefaultDate()
    {
        Assert.ThrowsAny<Exception>(() => KubernetesObjectJson.Deserialize<V1Pod>("""{"metadata":{"creationTimestamp":"yesterday"}}"""));
    }

    [Fact]
    public void ATypeTheServiceDoesNotReadIsNamedInTheError()
    {
        var error = Assert.Throws<NotSupportedException>(() => KubernetesObjectJson.Serialize(new V1Secret()));
        Assert.Contains("V1Secret", error.Message);
    }

    /// <summary>Every object of the sample bundles reads and writes to the same JSON as through the client library.</summary>
    [Fact]
    public void EverySampleBundleObjectReadsAndWritesAsWithTheClientLibrary()
    {
        var compared = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repo.Root, "tests", "samples"), "*.json", SearchOption.AllDirectories))
        {
            var kind = JsonNode.Parse(File.ReadAllText(file))?["kind"]?.GetValue<string>();
            var text = File.ReadAllText(file);
            var (ours, theirs) = kind switch
            {
                "Pod" => (Ours<V1Pod>(text), Theirs<V1Pod>(text)),
                "List" or "EventList" when Path.GetFileName(file) == "events.json" => (Ours<Corev1EventList>(text), Theirs<Corev1EventList>(text)),
                "Node" => (Ours<V1Node>(text), Theirs<V1Node>(text)),
                "ReplicaSet" => (Ours<V1ReplicaSet>(text), Theirs<V1ReplicaSet>(text)),
                "Deployment" => (Ours<V1Deployment>(text), Theirs<V1Deployment>(text)),
                "StatefulSet" => (Ours<V1StatefulSet>(text), Theirs<V1StatefulSet>(text)),
                "DaemonSet" => (Ours<V1DaemonSet>(text), Theirs<V1DaemonSet>(text)),
                "Job" => (Ours<V1Job>(text), Theirs<V1Job>(text)),
                "CronJob" => (Ours<V1CronJob>(text), Theirs<V1CronJob>(text)),
                _ => (null, null),
            };
            if (ours is null)
                continue;
            Assert.Equal(theirs, ours);
            compared++;
        }
        Assert.True(compared >= 6, $"only {compared} sample objects compared");
    }

    static string Ours<T>(string json) where T : class => KubernetesObjectJson.Serialize(KubernetesObjectJson.Deserialize<T>(json));
    static string Theirs<T>(string json) => KubernetesJson.Serialize(KubernetesJson.Deserialize<T>(json)!);
}
