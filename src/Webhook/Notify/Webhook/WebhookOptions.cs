namespace Webhook.Notify.Webhook;

public sealed class WebhookOptions
{
    /// <summary>Where to POST; the whole URL is treated as a secret and never logged.</summary>
    public string? Url { get; set; }
    /// <summary>When set, the body is signed: X-Webhook-Signature: sha256=&lt;hex HMAC-SHA256&gt;.</summary>
    public string? Secret { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
