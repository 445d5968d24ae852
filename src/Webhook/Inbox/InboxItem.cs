using Webhook.Alerts;

namespace Webhook.Inbox;

/// <summary>An alert claimed from the inbox by one worker.</summary>
public sealed record InboxItem(long Id, string Key, AlertContext Alert, int Attempts, string? TraceParent)
{
    /// <summary>Sent as Idempotency-Key: the same for every attempt at this item, also across restarts.</summary>
    public string IdempotencyKey => Key;

    /// <summary>
    /// Names this claim: completing, retrying or renewing it only takes effect while the claim is still the item's
    /// (a lease that expired and was claimed again by someone else is not theirs to record).
    /// </summary>
    public long LeaseToken { get; init; }

    /// <summary>When the item was queued (or re-queued by an operator): retries stop at Pipeline:MaxRetryAge from here.</summary>
    public DateTimeOffset QueuedAt { get; init; }
}

public sealed record NewInboxItem(string Key, AlertContext Alert, string? TraceParent = null)
{
    // Serialised by the request's thread, not by the single writer, so the writer only inserts and commits.
    internal string AlertJson { get; } = System.Text.Json.JsonSerializer.Serialize(Alert, AlertsJsonContext.Default.AlertContext);
}

public sealed record EnqueueResult(int Inserted, int Duplicates);

/// <summary>Items per state; <see cref="OldestPendingAgeSeconds"/> over pending and in-flight items.</summary>
public sealed record InboxCounts(long Pending, long InFlight, long Delivered, long Superseded, long Failed, long Dead, double? OldestPendingAgeSeconds);

/// <summary>One item's state as stored, for the status endpoint and tests.</summary>
public sealed record InboxItemState(long Id, string Key, string State, int Attempts, string? LastError, DateTimeOffset NextAttemptAt);

/// <summary>An item that will not be tried again unless an operator re-queues it.</summary>
public sealed record FailedItem(long Id, string State, string Route, string? Namespace, string? Pod, string Fingerprint, string Status,
    int Attempts, string? Reason, DateTimeOffset QueuedAt, DateTimeOffset FailedAt);

public enum RequeueResult { Requeued, NotFound, NotFailed }

/// <summary>The states an item goes through. pending → inflight → delivered | pending (retry) | failed | dead; pending → superseded.</summary>
public static class InboxStates
{
    public const string Pending = "pending";
    public const string InFlight = "inflight";
    public const string Delivered = "delivered";
    /// <summary>A firing whose resolved arrived before it was delivered: not posted (the resolved is).</summary>
    public const string Superseded = "superseded";
    /// <summary>A destination rejected it for good (a permanent failure): terminal, until re-queued.</summary>
    public const string Failed = "failed";
    /// <summary>Still failing at Pipeline:MaxRetryAge: terminal, until re-queued.</summary>
    public const string Dead = "dead";
}
