using Webhook.Alerts;
using Webhook.Collect;

namespace Webhook.Pipeline;

/// <summary>The collector used when no Kubernetes collector is registered: the alert's labels, nothing more.</summary>
public sealed class AlertOnlyCollector : IPodCollector
{
    public Task<PodSnapshot> CollectAsync(AlertContext alert, CancellationToken cancellationToken) =>
        Task.FromResult(PodSnapshot.AlertOnly(alert.Namespace ?? "", alert.Pod ?? "", alert.Container, "kubernetes: not configured"));
}
