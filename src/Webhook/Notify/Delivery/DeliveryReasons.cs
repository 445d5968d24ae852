namespace Webhook.Notify.Delivery;

/// <summary>
/// Reasons of <see cref="DeliveryOutcome.Retryable"/> that the rest of the service must tell apart without a new
/// outcome type: "not sent" means nothing left the process (open circuit, local rate limit, destination busy), so
/// the attempt should not count against the item; "throttled" means the chat said slow down (429), which slows
/// that destination but says nothing about its health, so it never opens the circuit.
/// </summary>
public static class DeliveryReasons
{
    public const string NotSentPrefix = "not sent: ";
    public const string CircuitOpen = NotSentPrefix + "circuit open";
    public const string RateLimited = NotSentPrefix + "rate limit";
    public const string Busy = NotSentPrefix + "destination busy";
    /// <summary>An earlier item of the same alert waits in a storm digest not posted yet: this one must not overtake it.</summary>
    public const string BehindDigest = NotSentPrefix + "an earlier item of this alert waits in a storm digest";
    public const string ThrottledPrefix = "throttled: ";

    public static bool WasNotSent(DeliveryOutcome outcome) =>
        outcome is DeliveryOutcome.Retryable r && r.Reason.StartsWith(NotSentPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Not sent only because the destination's own pace or posts in flight said "wait" (a healthy destination): the
    /// try does not count as an attempt, so its backoff never grows. An open circuit does count: backoff growth during
    /// an outage is also what spares the Kubernetes API the collection each try repeats.
    /// </summary>
    public static bool IsLocalWait(DeliveryOutcome outcome) =>
        outcome is DeliveryOutcome.Retryable { RetryAfter: not null } r && (r.Reason == Busy || r.Reason == RateLimited);

    public static bool IsThrottled(DeliveryOutcome outcome) =>
        outcome is DeliveryOutcome.Retryable r && r.Reason.StartsWith(ThrottledPrefix, StringComparison.Ordinal);

    /// <summary>
    /// What a circuit breaker counts as the destination failing: a retryable answer that was sent (5xx, timeout,
    /// refused connection). A 429 only asks us to slow down (the pace does), a permanent answer is about one message,
    /// and "not sent" tells nothing about the destination.
    /// </summary>
    public static bool IsUnhealthy(DeliveryOutcome outcome) =>
        outcome is DeliveryOutcome.Retryable && !WasNotSent(outcome) && !IsThrottled(outcome);
}
