using Microsoft.Extensions.Options;
using Webhook.Notify.Content;
using Webhook.Notify.Delivery;

namespace Webhook.Notify.Storm;

/// <summary>
/// Per chat destination: counts pods per status over a sliding window and, past the threshold (or when one
/// Alertmanager group is larger than it), takes notifications into a batch that is posted as one digest.
/// Batches live in memory: a crash inside the hold time loses that digest, not the per-alert inbox items' record.
/// </summary>
public sealed partial class StormGate(string destinationId, string kind, IDigestTarget target, ContentBuilder content,
    DeliveryResilience resilience, IOptions<StormOptions> options, TimeProvider time, ILogger logger)
{
    private readonly StormOptions _options = options.Value;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Batch> _batches = new(StringComparer.Ordinal);

    /// <summary>Raised after each digest attempt; tests wait on it instead of sleeping.</summary>
    public event Action<StormDigest, DeliveryOutcome>? DigestPosted;

    /// <summary>True when the notification went into a digest and must not be posted on its own.</summary>
    public bool TryAbsorb(Notification n)
    {
        var now = time.GetUtcNow();
        Batch? started = null;
        bool absorbed;
        lock (_lock)
        {
            var recent = _recent.TryGetValue(n.Alert.Status, out var q) ? q : _recent[n.Alert.Status] = new();
            while (recent.Count > 0 && now - recent.Peek() > _options.Window) recent.Dequeue();
            recent.Enqueue(now);

            var bigGroup = n.Alert.GroupSize > _options.Threshold && n.Alert.GroupKey is not null;
            absorbed = bigGroup || recent.Count > _options.Threshold;
            if (absorbed)
            {
                var key = n.Alert.Status + "|" + (bigGroup ? "group|" + n.Alert.GroupKey : "window");
                if (!_batches.TryGetValue(key, out var batch))
                    _batches[key] = started = batch = new Batch(key, now, bigGroup ? n.Alert.GroupSize : int.MaxValue);
                batch.Add(n, now);
            }
        }
        if (started is not null) _ = Task.Run(() => HoldThenPostAsync(started));
        return absorbed;
    }

    private async Task HoldThenPostAsync(Batch batch)
    {
        try
        {
            while (true)
            {
                var due = batch.DueAt(_options);
                var wait = due - time.GetUtcNow();
                if (batch.Complete || wait <= TimeSpan.Zero) break;
                await Task.WhenAny(Task.Delay(wait, time), batch.Completed);
            }
            List<Notification> notifications;
            lock (_lock)
            {
                _batches.Remove(batch.Key);
                notifications = batch.Take();
            }
            var digest = StormDigest.From(notifications, content);
            var outcome = await resilience.ExecuteAsync(destinationId, kind, ct => target.PostDigestAsync(digest, ct), CancellationToken.None);
            if (outcome is not DeliveryOutcome.Delivered) LogDigestFailed(logger, destinationId, digest.PodCount, Reason(outcome));
            DigestPosted?.Invoke(digest, outcome);
        }
        catch (Exception ex)
        {
            LogDigestError(logger, destinationId, ex.GetType().Name);
        }
    }

    private static string Reason(DeliveryOutcome o) => o switch
    {
        DeliveryOutcome.Retryable r => r.Reason,
        DeliveryOutcome.Permanent p => p.Reason,
        _ => "delivered",
    };

    private sealed class Batch(string key, DateTimeOffset first, int expected)
    {
        private readonly List<Notification> _items = [];
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly DateTimeOffset _first = first;
        private DateTimeOffset _last = first;

        public string Key => key;
        public Task Completed => _completed.Task;
        public bool Complete => _completed.Task.IsCompleted;

        public void Add(Notification n, DateTimeOffset now)
        {
            _items.Add(n);
            _last = now;
            if (_items.Count >= expected) _completed.TrySetResult();
        }

        public DateTimeOffset DueAt(StormOptions o) => Min(_last + o.Settle, _first + o.MaxHold);
        public List<Notification> Take() => [.. _items];
        private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    }

    [LoggerMessage(EventId = 320, Level = LogLevel.Warning, Message = "Storm digest of {Pods} pods to {Destination} failed: {Reason}")]
    private static partial void LogDigestFailed(ILogger logger, string destination, int pods, string reason);

    [LoggerMessage(EventId = 321, Level = LogLevel.Error, Message = "Storm digest to {Destination} broke: {Error}")]
    private static partial void LogDigestError(ILogger logger, string destination, string error);
}
