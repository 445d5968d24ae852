using Microsoft.Extensions.Logging;

namespace Webhook.Collect;

static partial class CollectLog
{
    [LoggerMessage(3001, LogLevel.Warning,
        "No Kubernetes cluster: {Reason}. Alerts will be delivered without pod details. Set Kubernetes:Kubeconfig (or KUBECONFIG), or run in a cluster.")]
    public static partial void NoCluster(ILogger logger, string reason);

    [LoggerMessage(3002, LogLevel.Information, "Kubernetes API: {Source}")]
    public static partial void Connected(ILogger logger, string source);

    [LoggerMessage(3003, LogLevel.Warning, "Kubernetes cluster '{Cluster}' is unusable: {Reason}")]
    public static partial void ClusterUnusable(ILogger logger, string cluster, string reason);

    [LoggerMessage(3004, LogLevel.Debug, "Collected {Namespace}/{Pod} in {ElapsedMs} ms with {GapCount} gap(s): {Gaps}")]
    public static partial void Collected(ILogger logger, string @namespace, string pod, long elapsedMs, int gapCount, string gaps);

    [LoggerMessage(3005, LogLevel.Information, "Not inspecting {Namespace}/{Pod}: {Reason}")]
    public static partial void NotInspected(ILogger logger, string @namespace, string pod, string reason);
}
