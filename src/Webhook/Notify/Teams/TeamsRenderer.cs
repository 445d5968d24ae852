using Webhook.Notify.Content;

namespace Webhook.Notify.Teams;

/// <summary>Pure: <see cref="MessageContent"/> to a Workflows webhook body under <see cref="TeamsLimits.TargetMessageBytes"/>.</summary>
public static class TeamsRenderer
{
    private const int MaxTextChars = 2000;

    public static TeamsMessage Render(MessageContent c)
    {
        // Shrink the log until the whole body fits; everything else is small and bounded.
        for (var logBudget = 6000; ; logBudget /= 2)
        {
            var message = new TeamsMessage([new TeamsAttachment(Card(c, logBudget))]);
            if (logBudget < 200 || TeamsJson.Utf8Size(message) <= TeamsLimits.TargetMessageBytes) return message;
        }
    }

    public static AdaptiveCard Card(MessageContent c, int logBudget)
    {
        var body = new List<CardElement>
        {
            new TextBlock(T($"{c.Icon} {c.CauseWords}: {c.Workload}", 300))
            {
                Size = "Large", Weight = "Bolder", Color = c.Resolved ? "Good" : "Attention",
            },
        };
        if (c.Resolved)
            body.Add(new TextBlock($"**Resolved{(c.Lasted is { } l ? $" after {Durations.Short(l)}" : "")}.**") { Color = "Good" });
        body.Add(new TextBlock(T(c.Summary)));
        if (c.Facts.Count > 0)
            body.Add(new FactSet(c.Facts.Select(f => new CardFact(T(f.Name, 100), T(f.Value, 500))).ToList()));
        if (c.EvidenceLines.Count > 0)
        {
            body.Add(Heading("Evidence"));
            body.AddRange(c.EvidenceLines.Take(10).Select(e => Line("• " + T(e, 500))));
        }
        if (c.Log is not null)
        {
            body.Add(Heading(char.ToUpperInvariant((c.LogLabel ?? "log")[0]) + (c.LogLabel ?? "log")[1..]));
            // One monospace TextBlock per line: markdown joins single newlines, and per-line blocks keep columns.
            var lines = LogExcerpt.Cut(c.Log, c.LogEvidence, logBudget).Split('\n');
            body.Add(new CardContainer(lines.Select(l => (CardElement)Mono(TextFit.Fit(l, 500, TeamsMarkdown.LogLine))).ToList())
                { Style = "emphasis" });
        }
        if (c.Remediation.Count > 0)
        {
            body.Add(Heading("Next steps"));
            body.AddRange(c.Remediation.Take(10).Select(r => Line("• " + T(r, 500))));
        }
        if (c.Commands.Count > 0)
        {
            body.Add(Heading("Confirm with"));
            body.AddRange(c.Commands.Take(5).Select(cmd => Mono(TextFit.Fit(cmd, 500, TeamsMarkdown.Command))));
        }
        if (c.Change is { } change)
        {
            body.Add(Heading("Apply the fix (changes the cluster)"));
            body.Add(Line(T(change.Text, 500)));
            body.Add(Mono(TextFit.Fit(change.Command, 1000, TeamsMarkdown.Command)));
        }
        body.Add(new TextBlock($"{T(c.Cause, 60)} · {c.ConfidenceText}") { IsSubtle = true, Size = "Small", Separator = true });
        // Gaps are a footnote, below everything that is known.
        if (c.Missing.Count > 0)
            body.Add(new TextBlock("Not seen: " + T(string.Join("; ", c.Missing), 500)) { IsSubtle = true, Size = "Small", Spacing = "None" });

        var actions = c.Links.Select(l => new OpenUrlAction(l.Title, l.Url)).Take(5).ToList();
        return new AdaptiveCard { Body = body, Actions = actions.Count > 0 ? actions : null };
    }

    /// <summary>A short card for an alert storm digest; see Storm/.</summary>
    public static TeamsMessage Simple(string title, IEnumerable<string> lines) => new(
    [
        new TeamsAttachment(new AdaptiveCard
        {
            Body = [new TextBlock(T(title, 300)) { Size = "Large", Weight = "Bolder", Color = "Attention" },
                    .. lines.Take(40).Select(l => (CardElement)Line("• " + T(l, 500)))],
        }),
    ]);

    private static TextBlock Heading(string text) => new(text) { Weight = "Bolder", Spacing = "Medium" };
    private static TextBlock Line(string text) => new(text) { Spacing = "None" };
    private static TextBlock Mono(string text) => new(text) { FontType = "Monospace", Size = "Small", Spacing = "None" };
    /// <summary>Untrusted prose, escaped for Teams markdown and cut to fit after escaping.</summary>
    private static string T(string? s, int max = MaxTextChars) => TextFit.Fit(s ?? "", max, TeamsMarkdown.Prose);
}
