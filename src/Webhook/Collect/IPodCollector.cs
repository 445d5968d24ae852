using Webhook.Alerts;

namespace Webhook.Collect;

/// <summary>Gathers what an SRE would look at first. Never throws for API trouble: gaps go into the snapshot.</summary>
public interface IPodCollector
{
    Task<PodSnapshot> CollectAsync(AlertContext alert, CancellationToken cancellationToken);
}
