using Webhook.Notify.Content;
using Webhook.Notify.Http;

namespace Webhook.Notify.Slack;

/// <summary>
/// Slack incoming webhook: one POST, answers "ok". It returns no ts, so it cannot thread or update:
/// every alert (fire, re-fire, resolve) is its own message.
/// </summary>
public sealed class SlackWebhookNotifier(string id, Secret webhookUrl, IHttpClientFactory http, ContentBuilder content) : INotifier
{
    public string Kind => "slack";
    public string Id => id;

    public Task<DeliveryOutcome> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var c = content.Build(notification);
        var message = c.Resolved ? SlackRenderer.ResolvedReply(c) : SlackRenderer.Render(c);
        return PostAsync(message, cancellationToken);
    }

    /// <summary>Also used for storm digests.</summary>
    public Task<DeliveryOutcome> PostAsync(SlackMessage message, CancellationToken cancellationToken) =>
        HttpOutcome.PostJsonAsync(http.CreateClient(HttpOutcome.NotifyClient), webhookUrl, SlackJson.Serialize(message), null, cancellationToken);
}
