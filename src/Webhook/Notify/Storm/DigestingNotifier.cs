namespace Webhook.Notify.Storm;

/// <summary>A chat destination behind a <see cref="StormGate"/>: in a storm, the pod goes into the digest.</summary>
public sealed class DigestingNotifier(INotifier inner, StormGate gate) : INotifier
{
    public string Kind => inner.Kind;
    public string Id => inner.Id;
    public StormGate Gate => gate;

    public Task<DeliveryOutcome> SendAsync(Notification notification, CancellationToken cancellationToken) =>
        gate.TryAbsorb(notification) ? Task.FromResult(DeliveryOutcome.Success) : inner.SendAsync(notification, cancellationToken);
}
