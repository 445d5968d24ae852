namespace Webhook.Inbox;

/// <summary>
/// At most one loop at a time works a queue in rounds (one database call for everything queued by then): a request
/// queues itself and calls <see cref="Start"/>, which starts the loop unless it runs; the loop ends when a round
/// finds nothing (<see cref="TryStop"/>). The hand-off at the end is the subtle part, so it is written once here: a
/// request queued after the loop's last look but before its flag went down found the loop running and started none,
/// so the loop looks once more after lowering the flag and goes on if work came and nobody else started a loop.
/// </summary>
sealed class RoundLoop(Func<Task> rounds)
{
    /// <summary>1 while a loop runs.</summary>
    int _running;

    public void Start()
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0) _ = Task.Run(rounds, CancellationToken.None);
    }

    /// <summary>For the loop, when a round found nothing to do: true when it ends; false when it goes on (work came meanwhile).</summary>
    /// <param name="idle">Whether nothing is queued; asked after the flag is down.</param>
    public bool TryStop(Func<bool> idle)
    {
        Interlocked.Exchange(ref _running, 0); // a full fence: idle() reads what a request wrote before it found the flag up
        return idle() || Interlocked.CompareExchange(ref _running, 1, 0) != 0;
    }
}
