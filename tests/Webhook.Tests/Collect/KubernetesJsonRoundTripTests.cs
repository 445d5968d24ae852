using k8s;
using k8s.Models;

namespace Webhook.Tests.Collect;

/// <summary>
/// What an API server returns is read into the client's models and written back out (follow-up answers, capture):
/// untyped fields (managedFields' FieldsV1, a ControllerRevision's data) must survive the client's generated JSON.
/// </summary>
public sealed class KubernetesJsonRoundTripTests
{
    [Fact]
    public void AConfigMapWithManagedFieldsIsWrittenBackAsRead()
    {
        const string json = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app","namespace":"shop","managedFields":[{"manager":"kubectl","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:DB_HOST":{}}}}]},"data":{"DB_HOST":"db"}}""";
        var written = KubernetesJson.Serialize(KubernetesJson.Deserialize<V1ConfigMap>(json));
        Assert.Contains("\"f:DB_HOST\"", written);
    }

    [Fact]
    public void AControllerRevisionsDataIsWrittenBackAsRead()
    {
        const string json = """{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"db-1","namespace":"shop"},"revision":1,"data":{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"api:1"}]}}}}}""";
        var written = KubernetesJson.Serialize(KubernetesJson.Deserialize<V1ControllerRevision>(json));
        Assert.Contains("\"image\":\"api:1\"", written);
    }
}
