namespace Webhook.Inbox;

/// <summary>Wakes idle workers when the intake committed new items, so they need not poll fast.</summary>
public sealed class InboxDoorbell
{
    readonly SemaphoreSlim _bell = new(0, int.MaxValue);

    public void Ring(int times = 1)
    {
        // Cap the count so a storm of requests does not leave thousands of stale wake-ups behind.
        var missing = Math.Min(times, 64) - _bell.CurrentCount;
        if (missing > 0) _bell.Release(missing);
    }

    /// <summary>True when rung, false when the timeout passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _bell.WaitAsync(timeout, cancellationToken);
}
