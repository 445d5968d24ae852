using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// Keeps a ConfigMap's key names and drops its values the moment it is read: every value becomes "", and the
/// annotation kubectl writes with the whole object (values included) goes. Nothing downstream can leak a value.
/// </summary>
public static class ConfigMapKeys
{
    const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    public static V1ConfigMap Only(V1ConfigMap configMap)
    {
        if (configMap.Data is { } data)
            foreach (var key in data.Keys.ToList())
                data[key] = "";
        if (configMap.BinaryData is { } binary)
            foreach (var key in binary.Keys.ToList())
                binary[key] = [];
        configMap.Metadata?.Annotations?.Remove(LastApplied);
        return configMap;
    }
}
