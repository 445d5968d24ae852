using System.Text.RegularExpressions;

namespace Webhook.Notify.Safety;

/// <summary>
/// Makes untrusted text unable to notify anyone: breaks bare <c>@channel</c>/<c>@here</c>/<c>@everyone</c>
/// and Teams <c>&lt;at&gt;</c> tags with an invisible word joiner, so the text still reads the same.
/// Slack's <c>&lt;!channel&gt;</c> and <c>&lt;@U…&gt;</c> forms are disarmed by <see cref="SlackText.Escape"/>.
/// </summary>
public static partial class MentionGuard
{
    private const char WordJoiner = '\u2060';

    public static string Neutralize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var s = BareMention().Replace(text, m => "@" + WordJoiner + m.Groups[1].Value);
        return TeamsAt().Replace(s, m => m.Value[..^2] + WordJoiner + m.Value[^2..]);
    }

    [GeneratedRegex(@"@(channel|here|everyone|all|group|team)\b", RegexOptions.IgnoreCase)]
    private static partial Regex BareMention();

    // "<at" and "</at" (any case, any spacing): the last two characters get the joiner between them.
    [GeneratedRegex(@"<\s*/?\s*at", RegexOptions.IgnoreCase)]
    private static partial Regex TeamsAt();
}
