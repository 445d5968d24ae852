using Webhook.Notify.Delivery;
using Webhook.Notify.Storm;
using Webhook.Pipeline;

namespace Webhook.Notify;

/// <summary>
/// The one place that calls notifiers. In a storm a pod joins its chat's digest here, before any guard: that is a
/// local write, not a post, so it is never rate limited and never waits. Everything that does post (alerts and
/// digests alike) makes one attempt under the destination's guards (<see cref="DeliveryResilience"/>) and is counted
/// by outcome. Retries with backoff are the inbox's (alerts) and the storm gate's (digests). An item whose alert has
/// an earlier item in a digest not posted yet is not sent: the inbox's per-alert order goes on through the digest.
/// </summary>
public sealed class DeliveryStage(PipelineMetrics metrics, DeliveryResilience resilience, StormGates storms)
{
    public async Task<DeliveryOutcome> SendAsync(INotifier notifier, Notification notification, CancellationToken cancellationToken)
    {
        if (storms.For(notifier.Id) is { } gate)
        {
            StormGate.Absorb absorbed;
            try
            {
                absorbed = await gate.TryAbsorbAsync(notification, cancellationToken);
            }
            // Any store's failure (SQLite's and Npgsql's exceptions are DbExceptions): the inbox retries the item.
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
            {
                return Count(notifier.Kind, new DeliveryOutcome.Retryable($"storm store failed: {ex.GetType().Name}"));
            }
            if (absorbed is StormGate.Absorb.Absorbed)
            {
                metrics.Delivery(notifier.Kind, "digested");
                return DeliveryOutcome.Success;
            }
            // Not sent: the inbox tries it again with its backoff, and posts it once the digest had its turn.
            if (absorbed is StormGate.Absorb.Wait)
                return Count(notifier.Kind, new DeliveryOutcome.Retryable(DeliveryReasons.BehindDigest));
        }
        return Count(notifier.Kind, await resilience.ExecuteAsync(notifier, notification, cancellationToken));
    }

    /// <summary>One attempt at a storm digest, under the same guards and metrics as every other post.</summary>
    public async Task<DeliveryOutcome> SendDigestAsync(string destinationId, string kind, IDigestTarget target, StormDigest digest,
        CancellationToken cancellationToken) =>
        Count(kind, await resilience.ExecuteAsync(destinationId, kind, ct => target.PostDigestAsync(digest, ct), cancellationToken));

    private DeliveryOutcome Count(string kind, DeliveryOutcome outcome)
    {
        metrics.Delivery(kind, outcome switch
        {
            DeliveryOutcome.Delivered => "delivered",
            _ when DeliveryReasons.WasNotSent(outcome) => "not_sent",
            _ when DeliveryReasons.IsThrottled(outcome) => "throttled",
            DeliveryOutcome.Retryable => "retryable",
            _ => "permanent",
        });
        return outcome;
    }
}
