using System.Net;

namespace Webhook.Notify;

/// <summary>Maps an HTTP answer to a delivery outcome, as Alertmanager's notify.Retrier does.</summary>
public static class HttpOutcome
{
    public static DeliveryOutcome From(HttpResponseMessage response, TimeProvider clock)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300) return DeliveryOutcome.Success;
        var reason = $"HTTP {status}";
        return status is 408 or 425 or 429 or >= 500
            ? new DeliveryOutcome.Retryable(reason, RetryAfter(response, clock))
            : new DeliveryOutcome.Permanent(reason);
    }

    /// <summary>For transport failures and timeouts: always worth another try.</summary>
    public static DeliveryOutcome FromException(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: var error } => new DeliveryOutcome.Retryable($"transport error: {error}"),
        TaskCanceledException or TimeoutException => new DeliveryOutcome.Retryable("timeout"),
        // The message of an unexpected exception may quote a URL or a token, so only its type is reported.
        _ => new DeliveryOutcome.Retryable($"unexpected {exception.GetType().Name}"),
    };

    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider clock)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - clock.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero;
        return null;
    }

    public static bool IsRetryable(HttpStatusCode status) => (int)status is 408 or 425 or 429 or >= 500;
}
