using System.Net;
using System.Net.Http.Headers;
using Webhook.Notify.Safety;

namespace Webhook.Notify.Http;

/// <summary>
/// The chat senders' HTTP: maps one exchange to a <see cref="DeliveryOutcome"/>, like Alertmanager's Retrier.Check: 2xx delivered;
/// 408, 429 and 5xx retryable (with Retry-After); every other status permanent. Reasons are short, metric-friendly
/// and never contain the URL.
/// </summary>
public static class ChatHttp
{
    public const string NotifyClient = "notify";
    private const int MaxBodyInReason = 200;

    /// <param name="credentials">The destination's URL or token: removed from the body should the server echo it.</param>
    public static DeliveryOutcome From(HttpStatusCode status, HttpResponseHeaders headers, string body, params Secret[] credentials)
    {
        var code = (int)status;
        if (code is >= 200 and < 300) return DeliveryOutcome.Success;
        var reason = $"http {code}" + (string.IsNullOrWhiteSpace(body) ? "" : ": " + Snippet(body, credentials));
        if (code is 429 or 408 || code >= 500)
            return new DeliveryOutcome.Retryable(reason, RetryAfter(headers));
        return new DeliveryOutcome.Permanent(reason);
    }

    /// <summary>Transport failures are retryable; the exception text is dropped because it can name the host or URL.</summary>
    public static DeliveryOutcome FromException(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when !cancellationToken.IsCancellationRequested => new DeliveryOutcome.Retryable("timeout"),
        HttpRequestException h => new DeliveryOutcome.Retryable($"transport: {h.HttpRequestError}"),
        _ => new DeliveryOutcome.Retryable($"transport: {ex.GetType().Name}"),
    };

    public static TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        if (headers.RetryAfter?.Delta is { } delta) return delta;
        if (headers.RetryAfter?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    public static async Task<DeliveryOutcome> PostJsonAsync(HttpClient client, Secret url, string json,
        Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url.Reveal())
            {
                Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            };
            configure?.Invoke(request);
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return From(response.StatusCode, response.Headers, body, url);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return FromException(ex, cancellationToken);
        }
        catch (Exception ex) when (ex is UriFormatException or InvalidOperationException)
        {
            // The message would quote the URL.
            return new DeliveryOutcome.Permanent("invalid destination URL");
        }
    }

    private static string Snippet(string body, Secret[] credentials)
    {
        var s = body.ReplaceLineEndings(" ").Trim();
        foreach (var credential in credentials)
            foreach (var form in Forms(credential.Reveal()))
                s = s.Replace(form, SecretRedactor.Mask, StringComparison.OrdinalIgnoreCase);
        s = SecretRedactor.Default.Redact(s);
        return s.Length <= MaxBodyInReason ? s : s[..MaxBodyInReason] + "…";
    }

    /// <summary>A URL can come back whole, as its path and query, or escaped.</summary>
    private static IEnumerable<string> Forms(string credential)
    {
        yield return credential;
        yield return Uri.EscapeDataString(credential);
        if (Uri.TryCreate(credential, UriKind.Absolute, out var uri))
        {
            if (uri.PathAndQuery.Length > 1) yield return uri.PathAndQuery;
            if (uri.AbsolutePath.Length > 1) yield return uri.AbsolutePath;
            if (uri.Query.Length > 1) yield return uri.Query.TrimStart('?');
        }
    }
}
