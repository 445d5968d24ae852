using Webhook.Notify.Delivery;
using Webhook.Pipeline;

namespace Webhook.Notify;

/// <summary>
/// The one place that calls notifiers: counts outcomes and turns a throwing notifier into a retryable outcome.
/// Short retries, the circuit breaker and the rate limiter per destination are <see cref="DeliveryResilience"/>'s;
/// durable retries with backoff are the inbox's.
/// </summary>
public sealed class DeliveryStage(PipelineMetrics metrics, DeliveryResilience resilience)
{
    public async Task<DeliveryOutcome> SendAsync(INotifier notifier, Notification notification, CancellationToken cancellationToken)
    {
        DeliveryOutcome outcome;
        try
        {
            outcome = await resilience.ExecuteAsync(notifier, notification, cancellationToken);
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
