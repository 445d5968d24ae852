using Webhook.Pipeline;

namespace Webhook.Notify;

/// <summary>
/// The one place that calls notifiers: counts outcomes and turns a throwing notifier into a retryable outcome.
/// Durable retries with backoff are the inbox's; this stage never loops on its own.
/// </summary>
public sealed class DeliveryStage(PipelineMetrics metrics)
{
    public async Task<DeliveryOutcome> SendAsync(INotifier notifier, Notification notification, CancellationToken cancellationToken)
    {
        DeliveryOutcome outcome;
        try
        {
            outcome = await notifier.SendAsync(notification, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = HttpOutcome.FromException(ex);
        }
        metrics.Delivery(notifier.Kind, outcome switch
        {
            DeliveryOutcome.Delivered => "delivered",
            DeliveryOutcome.Retryable => "retryable",
            _ => "permanent",
        });
        return outcome;
    }
}
