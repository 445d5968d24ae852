using k8s;

namespace Webhook.Collect;

/// <summary>Where this process may find a cluster besides its options: in-cluster, KUBECONFIG, ~/.kube/config. A seam for tests.</summary>
public sealed record ClusterEnvironment(bool InCluster, string? KubeconfigVariable, string HomeKubeconfig)
{
    public static ClusterEnvironment Current => new(
        KubernetesClientConfiguration.IsInCluster(),
        Environment.GetEnvironmentVariable("KUBECONFIG"),
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config"));
}
