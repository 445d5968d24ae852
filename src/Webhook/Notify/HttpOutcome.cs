using System.Net;
using System.Net.Http.Headers;

namespace Webhook.Notify;

/// <summary>
/// Maps an HTTP answer to a delivery outcome, as Alertmanager's notify.Retrier does: 2xx delivered; 408, 425,
/// 429 and 5xx retryable (with the server's Retry-After); every other status permanent. Every sender uses it.
/// </summary>
public static class HttpOutcome
{
    public static DeliveryOutcome From(HttpResponseMessage response, TimeProvider clock) =>
        From(response.StatusCode, response.Headers, $"HTTP {(int)response.StatusCode}", clock);

    /// <param name="reason">What a failure is reported as; never the URL or a token.</param>
    public static DeliveryOutcome From(HttpStatusCode status, HttpResponseHeaders headers, string reason, TimeProvider clock)
    {
        if ((int)status is >= 200 and < 300) return DeliveryOutcome.Success;
        // A 429 slows its destination down and never counts against its health (see DeliveryReasons).
        if (status == HttpStatusCode.TooManyRequests) reason = Delivery.DeliveryReasons.ThrottledPrefix + reason;
        return IsRetryable(status)
            ? new DeliveryOutcome.Retryable(reason, RetryAfter(headers, clock))
            : new DeliveryOutcome.Permanent(reason);
    }

    /// <summary>
    /// For transport failures and timeouts: always worth another try. Callers pass only exceptions that are not
    /// their own cancellation, so a cancellation here is a timeout.
    /// </summary>
    public static DeliveryOutcome FromException(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: var error } => new DeliveryOutcome.Retryable($"transport error: {error}"),
        OperationCanceledException or TimeoutException => new DeliveryOutcome.Retryable("timeout"),
        // The message of an unexpected exception may quote a URL or a token, so only its type is reported.
        _ => new DeliveryOutcome.Retryable($"unexpected {exception.GetType().Name}"),
    };

    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, TimeProvider clock)
    {
        var header = headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - clock.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero;
        return null;
    }

    public static bool IsRetryable(HttpStatusCode status) => (int)status is 408 or 425 or 429 or >= 500;
}
