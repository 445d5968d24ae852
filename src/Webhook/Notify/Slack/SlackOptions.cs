namespace Webhook.Notify.Slack;

/// <summary>Routes:{name}:Slack. Either an incoming webhook, or a bot token with a channel (threads, updates).</summary>
public sealed class SlackOptions
{
    public string? WebhookUrl { get; set; }
    public string? BotToken { get; set; }
    public string? Channel { get; set; }
    /// <summary>Overridable for tests and Enterprise Grid proxies.</summary>
    public string ApiBaseUrl { get; set; } = "https://slack.com/api/";
}
