using k8s;
using k8s.Models;

namespace Webhook.Tests.Collect;

/// <summary>Writes a bundle folder (taxonomy.md layout plus owners/ and node.json) from client model objects.</summary>
sealed class TestBundle
{
    readonly string folder;

    public TestBundle(string root, V1Pod pod)
    {
        folder = Path.Combine(root, $"{pod.Metadata.NamespaceProperty}-{pod.Metadata.Name}");
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        Write("pod.json", pod);
        Node(TestPods.NodeObject()); // a pod on a node that exists, unless a test says otherwise
    }

    public string Folder => folder;

    public TestBundle Events(params Corev1Event[] events)
    {
        Write("events.json", new Corev1EventList { ApiVersion = "v1", Kind = "List", Items = events });
        return this;
    }

    public TestBundle Log(string container, string text, bool previous = true)
    {
        File.WriteAllText(LogPath(container, previous), text);
        return this;
    }

    public string LogPath(string container, bool previous = true) =>
        Path.Combine(folder, "logs", previous ? $"{container}.previous.log" : $"{container}.log");

    public TestBundle Owner(string fileName, object owner)
    {
        Directory.CreateDirectory(Path.Combine(folder, "owners"));
        Write(Path.Combine("owners", fileName), owner);
        return this;
    }

    /// <summary>objects/KIND.NS.NAME.json: an answer to a follow-up question (taxonomy.md), served by the replay server.</summary>
    public TestBundle Object(IKubernetesObject<V1ObjectMeta> obj)
    {
        Directory.CreateDirectory(Path.Combine(folder, "objects"));
        var ns = obj.Kind == "Node" ? null : obj.Metadata.NamespaceProperty;
        Write(Path.Combine("objects", $"{Webhook.Diagnosis.ObjectKey.Of(obj.Kind, ns, obj.Metadata.Name)}.json"), obj);
        return this;
    }

    public TestBundle Node(V1Node node)
    {
        Write("node.json", node);
        return this;
    }

    void Write(string name, object value) => File.WriteAllText(Path.Combine(folder, name), KubernetesJson.Serialize(value));
}
