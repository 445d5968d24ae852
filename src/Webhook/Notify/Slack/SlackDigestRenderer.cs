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

    /// <summary>The thread reply naming the pods of a digest that get no reply of their own.</summary>
    public static SlackMessage MorePods(IReadOnlyList<StormEntry> rest)
    {
        var title = $"*{rest.Count} more pod{(rest.Count == 1 ? "" : "s")}* (no reply per pod beyond this, to keep the channel's pace for new alerts):\n";
        var names = new StringBuilder();
        var shown = 0;
        foreach (var entry in rest)
        {
            var next = (shown == 0 ? "" : ", ") + "`" + SlackRenderer.Esc(entry.Content.Pod ?? entry.Content.Workload) + "`";
            // Leave room for the "and N more" tail.
            if (title.Length + names.Length + next.Length > SlackLimits.SectionText - 40) break;
            names.Append(next);
            shown++;
        }
        if (shown < rest.Count) names.Append($" and {rest.Count - shown} more");
        return new SlackMessage
        {
            Text = TextFit.Fit($"{rest.Count} more pods in this storm", SlackLimits.FallbackText),
            Blocks = [SlackRenderer.Section(title + names)],
        };
    }
}
