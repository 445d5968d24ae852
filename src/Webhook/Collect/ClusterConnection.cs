namespace Webhook.Collect;

/// <summary>The API of the cluster an alert came from, or why there is none (a gap for the snapshot).</summary>
public sealed record ClusterConnection(IKubernetesApi? Api, string? Gap)
{
    public static ClusterConnection Unavailable(string gap) => new(null, gap);
}
