using System.Net.Http.Headers;
using System.Text.Json;
using Webhook.Notify.Safety;

namespace Webhook.Notify.Webhook;

/// <summary>POSTs one JSON document per alert. One attempt; the delivery stage decides about retries.</summary>
public sealed class WebhookNotifier(string route, WebhookOptions options, IHttpClientFactory http, TimeProvider clock,
    SecretRedactor? redactor = null) : INotifier
{
    public const string HttpClientName = "webhook";
    readonly Uri _url = new(options.Url!);

    public string Kind => "webhook";
    public string Id => $"{route}/webhook";

    public async Task<DeliveryOutcome> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var document = WebhookDocument.From(notification).Redact(redactor ?? SecretRedactor.Default);
        var body = JsonSerializer.SerializeToUtf8Bytes(document, NotifyJsonContext.Default.WebhookDocument);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("Idempotency-Key", notification.IdempotencyKey);
        if (!string.IsNullOrEmpty(options.Secret))
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(options.Secret, body));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            return HttpOutcome.From(response, clock);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(ex);
        }
    }
}
