using Webhook.Notify.Content;
using Webhook.Notify.Safety;
using static Webhook.Notify.Slack.SlackLimits;

namespace Webhook.Notify.Slack;

/// <summary>Pure: <see cref="MessageContent"/> to Block Kit within every documented limit.</summary>
public static class SlackRenderer
{
    private const int CodeFence = 8; // "```\n" + "\n```"

    public static SlackMessage Render(MessageContent c)
    {
        var blocks = new List<Block>
        {
            Header(c),
            Section((c.Resolved ? $"*Resolved{(c.Lasted is { } l ? $" after {Durations.Short(l)}" : "")}.* " : "") + Esc(c.Summary)),
        };
        if (c.Facts.Count > 0)
            blocks.Add(new SectionBlock
            {
                Fields = c.Facts.Take(MaxFields)
                    .Select(f => (TextObject)new Mrkdwn(TextFit.Fit($"*{f.Name}*\n{Esc(f.Value)}", FieldText))).ToList(),
            });
        if (c.EvidenceLines.Count > 0)
            blocks.Add(Section("*Evidence*\n" + string.Join('\n', c.EvidenceLines.Select(e => "• " + Esc(e)))));
        if (c.Log is not null)
            blocks.Add(Section(LogSection(c)));
        if (NextSteps(c) is { } next) blocks.Add(Section(next));
        blocks.Add(Context(c));
        return new SlackMessage { Text = Fallback(c), Blocks = blocks.Take(MaxBlocks).ToList() };
    }

    /// <summary>A re-fire while the incident is open: a short thread reply, not a new message.</summary>
    public static SlackMessage RefireReply(MessageContent c) => new()
    {
        Text = TextFit.Fit($"Fired again: {c.Pod}, restarts {c.RestartCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}. {c.Summary}", FallbackText, Esc),
        Blocks =
        [
            Section($"*Fired again* on `{Esc(c.Pod)}`: restarts now *{c.RestartCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}*.\n{Esc(c.Summary)}"),
            .. c.Log is null ? Array.Empty<Block>() : [Section(LogSection(c))],
        ],
    };

    /// <summary>The thread reply that closes an incident.</summary>
    public static SlackMessage ResolvedReply(MessageContent c)
    {
        var text = $"Resolved{(c.Lasted is { } l ? $" after {Durations.Short(l)}" : "")}: {c.Workload}.";
        return new SlackMessage { Text = TextFit.Fit(text, FallbackText, Esc), Blocks = [Section(":white_check_mark: " + Esc(text))] };
    }

    /// <summary>The original message marked resolved (chat.update), built from the original blocks.</summary>
    public static SlackMessage MarkResolved(SlackMessage original, MessageContent resolved)
    {
        var banner = $"Resolved{(resolved.Lasted is { } l ? $" after {Durations.Short(l)}" : "")}";
        var blocks = original.Blocks.Select((b, i) => i == 0 && b is HeaderBlock h
            ? new HeaderBlock(new PlainText(TextFit.Fit("✅ " + banner + ": " + StripIcon(h.Text.Text), HeaderText)))
            : b).ToList();
        if (blocks.Count < MaxBlocks)
            blocks.Insert(Math.Min(1, blocks.Count), new ContextBlock([new Mrkdwn($"*{banner}.* This crash loop has stopped firing.")]));
        return original with { Text = TextFit.Fit(banner + ": " + original.Text, FallbackText), Blocks = blocks };
    }

    public static SectionBlock Section(string mrkdwn) => new() { Text = new Mrkdwn(TextFit.Fit(mrkdwn, SectionText)) };

    public static string Esc(string? s) => SlackText.Escape(s);

    private static HeaderBlock Header(MessageContent c) =>
        new(new PlainText(TextFit.Fit($"{c.Icon} {c.CauseWords}: {c.Workload}", HeaderText, SlackText.Plain)));

    private static string StripIcon(string header) => header.StartsWith("🔴 ", StringComparison.Ordinal) || header.StartsWith("⚪ ", StringComparison.Ordinal) ? header[2..].TrimStart() : header;

    private static string LogSection(MessageContent c)
    {
        var title = $"*{Esc(Capitalize(c.LogLabel ?? "log"))}*\n";
        // Escaping can lengthen text (& → &amp;), so cut, escape, and cut tighter until the section fits.
        for (var budget = SectionText - title.Length - CodeFence; budget > 100; budget = budget * 9 / 10)
        {
            var excerpt = Esc(LogExcerpt.Cut(c.Log!, c.LogEvidence, budget)).Replace("```", "ˋˋˋ");
            var text = title + "```\n" + excerpt + "\n```";
            if (text.Length <= SectionText) return text;
        }
        return title + "```\n" + LogExcerpt.Gap + "\n```";
    }

    private static string? NextSteps(MessageContent c)
    {
        if (c.Remediation.Count == 0 && c.Commands.Count == 0 && c.Change is null) return null;
        var parts = new List<string>();
        if (c.Remediation.Count > 0)
            parts.Add("*Next steps*\n" + string.Join('\n', c.Remediation.Select(r => "• " + Esc(r))));
        if (c.Commands.Count > 0)
            parts.Add("*Confirm with*\n```\n" + string.Join('\n', c.Commands.Select(Esc)).Replace("```", "ˋˋˋ") + "\n```");
        if (c.Change is { } change)
            parts.Add($"*Apply the fix (changes the cluster):* {Esc(change.Text)}\n```\n{Esc(change.Command).Replace("```", "ˋˋˋ")}\n```");
        var text = string.Join('\n', parts);
        // A cut inside a code fence would leave it open; drop the commands first when too long.
        return text.Length <= SectionText ? text : string.Join('\n', parts.Where(p => !p.Contains("```", StringComparison.Ordinal)));
    }

    private static ContextBlock Context(MessageContent c)
    {
        var elements = new List<TextObject> { new Mrkdwn($"*{Esc(c.Cause)}* · {Esc(c.ConfidenceText)}") };
        if (c.Missing.Count > 0)
            elements.Add(new Mrkdwn("_Not seen:_ " + Esc(TextFit.Fit(string.Join("; ", c.Missing), 500))));
        foreach (var link in c.Links)
            if (SlackText.Link(link.Url, link.Title) is { } l) elements.Add(new Mrkdwn(l));
        return new ContextBlock(elements.Take(MaxContextElements).ToList());
    }

    private static string Fallback(MessageContent c) =>
        TextFit.Fit($"{(c.Resolved ? "Resolved: " : "")}{c.CauseWords}: {c.Workload}: {c.Summary}", FallbackText, Esc);

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
