using System.Net.Http.Headers;
using System.Text.Json;

namespace Webhook.Notify.Webhook;

/// <summary>POSTs one JSON document per alert. One attempt; the delivery stage decides about retries.</summary>
public sealed class WebhookNotifier(string route, WebhookOptions options, IHttpClientFactory http, TimeProvider clock) : INotifier
{
    public const string HttpClientName = "webhook";
    readonly Uri _url = new(options.Url!);

    public string Kind => "webhook";
    public string Id => $"{route}/webhook";

    public async Task<DeliveryOutcome> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(WebhookDocument.From(notification), NotifyJsonContext.Default.WebhookDocument);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("Idempotency-Key", notification.IdempotencyKey);

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
