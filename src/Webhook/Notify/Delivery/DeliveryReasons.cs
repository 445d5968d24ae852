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

    public static bool IsThrottled(DeliveryOutcome outcome) =>
        outcome is DeliveryOutcome.Retryable r && r.Reason.StartsWith(ThrottledPrefix, StringComparison.Ordinal);
}
