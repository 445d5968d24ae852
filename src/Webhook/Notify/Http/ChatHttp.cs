using System.Net;
using System.Net.Http.Headers;
using Webhook.Notify.Safety;

namespace Webhook.Notify.Http;

/// <summary>
/// The chat senders' HTTP: one POST, its outcome classified by <see cref="HttpOutcome"/>, with a short reason that
/// quotes the server's answer but never the URL or token.
/// </summary>
public static class ChatHttp
{
    public const string NotifyClient = "notify";
    private const int MaxBodyInReason = 200;

    /// <param name="credentials">The destination's URL or token: removed from the body should the server echo it.</param>
    public static DeliveryOutcome From(HttpStatusCode status, HttpResponseHeaders headers, string body, params Secret[] credentials)
    {
        var code = (int)status;
        var reason = code is >= 200 and < 300 || string.IsNullOrWhiteSpace(body) ? $"http {code}" : $"http {code}: {Snippet(body, credentials)}";
        return HttpOutcome.From(status, headers, reason, TimeProvider.System);
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
            return HttpOutcome.FromException(ex);
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
