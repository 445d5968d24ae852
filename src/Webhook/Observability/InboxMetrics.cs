using System.Diagnostics.Metrics;
using Webhook.Inbox;

namespace Webhook.Observability;

/// <summary>
/// Inbox depth by state and the age of the oldest pending item. Gauges are read by a synchronous callback, so it
/// never waits on the database: it reports the last counts and starts a refresh when they are older than a second
/// (a scrape sees counts at most one scrape old).
/// </summary>
public sealed class InboxMetrics
{
    public const string MeterName = "Webhook.Inbox";
    static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    readonly IInboxStore _inbox;
    volatile InboxCounts? _counts;
    long _countedAt;
    int _refreshing;

    public InboxMetrics(IMeterFactory meters, IInboxStore inbox)
    {
        _inbox = inbox;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("webhook.inbox.items", ObserveItems, "{item}", "Inbox items by state");
        meter.CreateObservableGauge("webhook.inbox.oldest_pending_age", () => Counts()?.OldestPendingAgeSeconds ?? 0, "s",
            "Age of the oldest item not yet delivered");
        // Counted once now (the inbox is open by the time the metrics are mapped), so the first scrape has them too.
        _refreshing = 1;
        _ = Task.Run(RefreshAsync);
    }

    IEnumerable<Measurement<long>> ObserveItems()
    {
        if (Counts() is not { } counts) yield break;
        foreach (var (state, count) in new[]
        {
            (InboxStates.Pending, counts.Pending), (InboxStates.InFlight, counts.InFlight), (InboxStates.Delivered, counts.Delivered),
            (InboxStates.Superseded, counts.Superseded), (InboxStates.Failed, counts.Failed), (InboxStates.Dead, counts.Dead),
        })
            yield return new(count, new KeyValuePair<string, object?>("state", state));
    }

    InboxCounts? Counts()
    {
        var stale = _counts is null || TimeSpan.FromTicks(DateTime.UtcNow.Ticks - Interlocked.Read(ref _countedAt)) > MaxAge;
        // On the pool: SQLite's async calls run synchronously, so awaiting here would still hold the scrape.
        if (stale && Interlocked.Exchange(ref _refreshing, 1) == 0) _ = Task.Run(RefreshAsync);
        return _counts;
    }

    /// <summary>Refreshes the counts now; the first scrape of a process awaits nothing and sees them from the next one.</summary>
    public async Task RefreshAsync()
    {
        try
        {
            _counts = await _inbox.CountsAsync(CancellationToken.None);
            Interlocked.Exchange(ref _countedAt, DateTime.UtcNow.Ticks);
        }
        catch (Exception)
        {
            // A failing inbox shows on /readyz; a metrics scrape must not fail because of it.
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
