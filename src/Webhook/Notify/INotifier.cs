namespace Webhook.Notify;

/// <summary>
/// One destination. Formats, makes exactly one attempt and says how it went; retries, backoff and
/// metrics live in the delivery stage, never here and never in an HTTP handler.
/// </summary>
public interface INotifier
{
    /// <summary>"console", "webhook", "slack", "teams": a metric label and a span attribute.</summary>
    string Kind { get; }
    /// <summary>Stable id of this destination within its route, e.g. "default/webhook". Never contains a secret.</summary>
    string Id { get; }
    Task<DeliveryOutcome> SendAsync(Notification notification, CancellationToken cancellationToken);
}

public abstract record DeliveryOutcome
{
    public sealed record Delivered : DeliveryOutcome;
    /// <param name="RetryAfter">The server's Retry-After, when it sent one.</param>
    public sealed record Retryable(string Reason, TimeSpan? RetryAfter = null) : DeliveryOutcome;
    public sealed record Permanent(string Reason) : DeliveryOutcome;

    public static readonly DeliveryOutcome Success = new Delivered();
}
