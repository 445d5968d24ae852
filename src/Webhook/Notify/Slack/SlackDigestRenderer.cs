using System.Text;
using Webhook.Notify.Content;
using Webhook.Notify.Storm;

namespace Webhook.Notify.Slack;

/// <summary>Pure: one Block Kit message for an alert storm, grouped by cause and workload.</summary>
public static class SlackDigestRenderer
{
    public static SlackMessage Render(StormDigest digest, bool detailsInThread)
    {
        var lines = new StringBuilder();
        var shown = 0;
        foreach (var line in digest.Lines)
        {
            var next = "• " + SlackRenderer.Esc(line) + "\n";
            // Leave room for the "and N more" line.
            if (lines.Length + next.Length > SlackLimits.SectionText - 60) break;
            lines.Append(next);
            shown++;
        }
        if (shown < digest.Groups.Count)
            lines.Append($"…and {digest.Groups.Count - shown} more group(s)");
        var icon = digest.Resolved ? "✅" : "🔴";
        List<Block> blocks =
        [
            new HeaderBlock(new PlainText(TextFit.Fit($"{icon} {digest.Headline}", SlackLimits.HeaderText))),
            SlackRenderer.Section(lines.ToString().TrimEnd()),
        ];
        if (detailsInThread && !digest.Resolved)
            blocks.Add(new ContextBlock([new Mrkdwn("One diagnosis per pod in the thread.")]));
        var fallback = digest.Headline + ": " + string.Join("; ", digest.Lines.Take(5));
        return new SlackMessage { Text = TextFit.Fit(fallback, SlackLimits.FallbackText, SlackRenderer.Esc), Blocks = blocks };
    }
}
