namespace Webhook.Notify.Storm;

/// <summary>A chat destination that can post a storm digest (one attempt, like <see cref="INotifier.SendAsync"/>).</summary>
public interface IDigestTarget
{
    Task<DeliveryOutcome> PostDigestAsync(StormDigest digest, CancellationToken cancellationToken);
}
