using Webhook.Notify.Content;
using Webhook.Notify.Http;
using Webhook.Notify.Storm;

namespace Webhook.Notify.Teams;

/// <summary>
/// Teams Workflows webhook. The whole URL is a credential (its sig= parameter), held as a <see cref="Secret"/>.
/// The workflow answers 202 even when its later post fails; that is all we can know.
/// </summary>
public sealed class TeamsNotifier(string id, Secret workflowUrl, IHttpClientFactory http, ContentBuilder content) : INotifier, IDigestTarget
{
    public string Kind => "teams";
    public string Id => id;

    public Task<DeliveryOutcome> SendAsync(Notification notification, CancellationToken cancellationToken) =>
        PostAsync(TeamsRenderer.Render(content.Build(notification)), cancellationToken);

    public Task<DeliveryOutcome> PostDigestAsync(StormDigest digest, CancellationToken cancellationToken) =>
        PostAsync(TeamsRenderer.Simple((digest.Resolved ? "✅ " : "🔴 ") + digest.Headline, digest.Lines), cancellationToken);

    public Task<DeliveryOutcome> PostAsync(TeamsMessage message, CancellationToken cancellationToken)
    {
        var json = TeamsJson.Serialize(message);
        if (System.Text.Encoding.UTF8.GetByteCount(json) > TeamsLimits.MaxMessageBytes)
            return Task.FromResult<DeliveryOutcome>(new DeliveryOutcome.Permanent("card over 28 KB"));
        return ChatHttp.PostJsonAsync(http.CreateClient(ChatHttp.NotifyClient), workflowUrl, json, null, cancellationToken);
    }
}
