using Webhook.Alerts;

namespace Webhook.Inbox;

/// <summary>An alert waiting for (or going through) the pipeline.</summary>
public sealed record InboxItem(long Id, string Key, AlertContext Alert, int Attempts, string? TraceParent)
{
    /// <summary>Sent as Idempotency-Key: the same for every attempt at this item, also across restarts.</summary>
    public string IdempotencyKey => Key;
}

public sealed record NewInboxItem(string Key, AlertContext Alert, string? TraceParent = null)
{
    // Serialised by the request's thread, not by the single writer, so the writer only inserts and commits.
    internal string AlertJson { get; } = System.Text.Json.JsonSerializer.Serialize(Alert, AlertsJsonContext.Default.AlertContext);
}

public sealed record EnqueueResult(int Inserted, int Duplicates);

public sealed record InboxCounts(long Pending, long InFlight, long Delivered, long DeadLettered, double? OldestPendingAgeSeconds);
