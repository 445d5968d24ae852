namespace Webhook.Notify.Safety;

/// <summary>Slack mrkdwn escaping: only &amp;, &lt; and &gt; are control characters
/// (https://api.slack.com/reference/surfaces/formatting#escaping).</summary>
public static class SlackText
{
    /// <summary>Untrusted text to safe mrkdwn: mentions broken, then the three control characters escaped.</summary>
    public static string Escape(string? text) =>
        MentionGuard.Neutralize(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>Plain text (header, plain_text objects) is not parsed for links, but bare mentions still get broken.</summary>
    public static string Plain(string? text) => MentionGuard.Neutralize(text);

    /// <summary>A <c>&lt;url|label&gt;</c> link, or null when the URL is not plain http(s).</summary>
    public static string? Link(string? url, string label)
    {
        var safe = SafeUrl.Normalize(url);
        return safe is null ? null : $"<{safe.Replace("|", "%7C")}|{Escape(label).Replace("|", "¦")}>";
    }
}
