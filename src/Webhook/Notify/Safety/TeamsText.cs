using System.Text.RegularExpressions;

namespace Webhook.Notify.Safety;

/// <summary>
/// Untrusted text for an Adaptive Card TextBlock. Teams clients disagree on markdown backslash escapes
/// (microsoft/AdaptiveCards#5590), so instead of escaping emphasis we disarm only what can act:
/// mentions, <c>&lt;at&gt;</c> tags and markdown links, by inserting an invisible word joiner.
/// </summary>
public static partial class TeamsText
{
    public static string Escape(string? text)
    {
        var s = MentionGuard.Neutralize(text);
        s = MarkdownLink().Replace(s, "]\u2060(");
        // Slack's mention syntax means nothing in Teams, but a card may be forwarded or copied: disarm it too.
        return s.Replace("<!", "<\u2060!").Replace("<@", "<\u2060@");
    }

    [GeneratedRegex(@"\]\s*\(")]
    private static partial Regex MarkdownLink();
}
