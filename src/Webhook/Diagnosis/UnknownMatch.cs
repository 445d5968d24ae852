namespace Webhook.Diagnosis;

/// <summary>The honest answer when no rule fires: what we saw, and what we would need.</summary>
public static class UnknownMatch
{
    public static RuleMatch For(CrashFacts facts)
    {
        var evidence = new List<Evidence>();
        if (facts.Terminated is not null) evidence.Add(new("pod.status", StatusText.Terminated(facts)));
        if (facts.Waiting is not null) evidence.Add(new("pod.status", StatusText.Waiting(facts)));
        var last = facts.Log.Lines.LastOrDefault(l => !string.IsNullOrWhiteSpace(l.Text));
        if (last is not null) evidence.Add(new("log", last.Text.Trim()));

        var exit = facts.ExitCode is { } code ? $" (exit code {code})" : "";
        var missing = MissingEvidence.For(facts);
        var why = missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "; the log shows no error";
        return new RuleMatch(Causes.Unknown, 0.2, $"The evidence does not show why {facts.ContainerName ?? "the container"} exits{exit}{why}.")
        {
            Evidence = evidence,
            Rule = nameof(UnknownMatch),
        };
    }
}
