using System.Diagnostics.Metrics;
using Webhook.Inbox;

namespace Webhook.Observability;

/// <summary>Inbox depth and the age of the oldest pending item, read when metrics are collected.</summary>
public sealed class InboxMetrics
{
    public const string MeterName = "Webhook.Inbox";
    readonly SqliteInbox _inbox;
    InboxCounts? _cached;
    DateTime _cachedAt;

    public InboxMetrics(IMeterFactory meters, SqliteInbox inbox)
    {
        _inbox = inbox;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("webhook.inbox.items", ObserveItems, "{item}", "Inbox items by state");
        meter.CreateObservableGauge("webhook.inbox.oldest_pending_age", () => Counts()?.OldestPendingAgeSeconds ?? 0, "s",
            "Age of the oldest item not yet delivered");
    }

    IEnumerable<Measurement<long>> ObserveItems()
    {
        if (Counts() is not { } counts) yield break;
        yield return new(counts.Pending, new KeyValuePair<string, object?>("state", "pending"));
        yield return new(counts.InFlight, new KeyValuePair<string, object?>("state", "inflight"));
        yield return new(counts.Delivered, new KeyValuePair<string, object?>("state", "delivered"));
        yield return new(counts.DeadLettered, new KeyValuePair<string, object?>("state", "dead"));
    }

    // Both gauges are read in one collection; one query serves them.
    InboxCounts? Counts()
    {
        if (_cached is not null && DateTime.UtcNow - _cachedAt < TimeSpan.FromSeconds(1)) return _cached;
        try
        {
            _cached = _inbox.CountsAsync(CancellationToken.None).GetAwaiter().GetResult();
            _cachedAt = DateTime.UtcNow;
        }
        catch (Exception)
        {
            // A failing inbox shows on /readyz; a metrics scrape must not fail because of it.
        }
        return _cached;
    }
}
