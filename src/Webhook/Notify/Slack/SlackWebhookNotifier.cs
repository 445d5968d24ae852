using Webhook.Notify.Content;
using Webhook.Notify.Http;
using Webhook.Notify.Storm;

namespace Webhook.Notify.Slack;

/// <summary>
/// Slack incoming webhook: one POST, answers "ok". It returns no ts, so it cannot thread or update:
/// every alert (fire, re-fire, resolve) is its own message.
/// </summary>
public sealed class SlackWebhookNotifier(string id, Secret webhookUrl, IHttpClientFactory http, ContentBuilder content) : INotifier, IDigestTarget
{
    public string Kind => "slack";
    public string Id => id;

    public Task<DeliveryOutcome> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var c = content.Build(notification);
        var message = c.Resolved ? SlackRenderer.ResolvedReply(c) : SlackRenderer.Render(c);
        return PostAsync(message, cancellationToken);
    }

    public Task<DeliveryOutcome> PostDigestAsync(StormDigest digest, CancellationToken cancellationToken) =>
        PostAsync(SlackDigestRenderer.Render(digest, detailsInThread: false), cancellationToken);

    public Task<DeliveryOutcome> PostAsync(SlackMessage message, CancellationToken cancellationToken) =>
        ChatHttp.PostJsonAsync(http.CreateClient(ChatHttp.NotifyClient), webhookUrl, SlackJson.Serialize(message), null, cancellationToken);
}
