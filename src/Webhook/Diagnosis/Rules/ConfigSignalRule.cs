namespace Webhook.Diagnosis;

/// <summary>
/// Configuration faults a generic exception pattern would call an application error (or no pattern matches): a
/// service-link value (tcp://IP:PORT) where the app expected a port or number (NumberFormatException, strconv.Atoi,
/// int()); a field a strict config loader rejects (unknown field, field X not found in type, has invalid keys); a flag
/// the parser rejects; a ConfigMap/Secret mount that hides the image's directory or lacks the file read from it; a
/// port the app cannot parse while env X_HOST names Service x; variables a startup check lists as unset.
/// </summary>
public sealed class ConfigSignalRule : ICrashRule
{
    const int Lines = 12;
    const double Confidence = 0.88;

    public RuleMatch? Evaluate(CrashFacts facts)
    {
        // The kubelet cannot mount a volume whose ConfigMap/Secret (or an item's key) is missing: the container never starts.
        if (facts.Events.FirstOrDefault(e => e.Reason == "FailedMount" && e.Message is { } m && ConfigText.FailedMount(m) is not null) is { } failed)
            return new RuleMatch(Causes.ConfigError, 0.9, $"Container {facts.ContainerName} cannot start: {Text.Clip(failed.Message!.Trim(), 200)}.")
            {
                Evidence = [new("event", ContainerEvents.Describe(failed))],
                Detail = failed.Message,
                Rule = nameof(ConfigSignalRule),
            };

        var lines = facts.Log.Lines;
        var seen = 0;
        for (var i = lines.Count - 1; i >= 0 && seen < Lines; i--)
        {
            var line = lines[i];
            if (line.IsFrame || string.IsNullOrWhiteSpace(line.Text)) continue;
            seen++;
            var text = line.Text.Trim();
            if (Survivable(text)) continue;
            var (summary, confidence) = Signal(facts, lines, i, text);
            if (summary is null) continue;

            var evidence = new List<Evidence>();
            if (facts.Terminated is not null) evidence.Add(new("pod.status", StatusText.Terminated(facts)));
            evidence.Add(new("log", text));
            return new RuleMatch(Causes.ConfigError, confidence, summary) { Evidence = evidence, Detail = text, Rule = nameof(ConfigSignalRule) };
        }
        return null;
    }

    /// <summary>What the line says about the configuration, and how sure that is; (null, 0) when nothing.</summary>
    static (string? Summary, double Confidence) Signal(CrashFacts facts, IReadOnlyList<LogLine> lines, int i, string text)
    {
        var c = facts.ContainerName;
        var quoted = Text.Quote(text);
        if (ConfigText.ServiceLink(text) is { } link)
            return ($"{c} exits because a setting holds {link.Value}, the form of a Kubernetes service-link variable, where a port or number was expected: {quoted}.", Confidence);
        if (ConfigText.UnknownField(text, Previous(lines, i)) is { } field && ConfigContext(lines, i))
            return ($"{c} exits because its config has a field the program does not know ({field.Field}): {quoted}.", Confidence);
        if (ConfigText.IsConfigParseError(text))
            return ($"{c} exits because it cannot parse its config: {quoted}.", 0.86);
        if (ConfigText.UnknownFlags(text) is { Count: > 0 } flags)
            return ($"{c} exits because its command line has a flag the program does not know ({flags[0]}): {quoted}.", 0.82);
        if (ConfigFinder.MountHides(facts, [text]) is { } hides)
            return ($"{c} exits because {hides.Get("object")} is mounted over the image's {hides.Get("mountPath")} directory and hides its files: {quoted}.", Confidence);
        if (ConfigFinder.MissingUnderConfigMount(facts, text))
            return ($"{c} exits because a file it reads from a mounted ConfigMap/Secret is missing: {quoted}.", 0.84);
        if (ConfigText.IsBadPort(text) && ConfigFinder.HostNamed(facts).FirstOrDefault() is { } portVariable)
            return ($"{c} exits because it cannot parse its port, and {portVariable} is left to the service link Kubernetes injects (tcp://IP:PORT): {quoted}.", 0.82);
        if (ConfigText.IsVariablesHeader(text) && ConfigText.ListedVariables(lines.Skip(i).Take(32).ToList()) is { Count: > 0 } listed)
            return ($"{c} exits because required variables are not set ({string.Join(", ", listed)}): {quoted}.", 0.85);
        return (null, 0);
    }

    /// <summary>A warning the program goes on after ("unknown option ignored", "deprecated") is not why it exited.</summary>
    static bool Survivable(string line) =>
        line.Contains("ignor", StringComparison.OrdinalIgnoreCase) || line.Contains("deprecat", StringComparison.OrdinalIgnoreCase)
        || line.Contains("level=warn", StringComparison.OrdinalIgnoreCase) || line.Contains("WARN", StringComparison.Ordinal);

    static string? Previous(IReadOnlyList<LogLine> lines, int i)
    {
        for (var j = i - 1; j >= 0; j--)
            if (!lines[j].IsFrame && !string.IsNullOrWhiteSpace(lines[j].Text)) return lines[j].Text.Trim();
        return null;
    }

    /// <summary>The rejected field is about a config file or settings object: the line or the few lines before it say so.</summary>
    static bool ConfigContext(IReadOnlyList<LogLine> lines, int i)
    {
        for (var j = i; j >= 0 && j >= i - 5; j--)
        {
            var t = lines[j].Text;
            if (t.Contains("config", StringComparison.OrdinalIgnoreCase) || t.Contains("setting", StringComparison.OrdinalIgnoreCase)
                || t.Contains("yaml", StringComparison.OrdinalIgnoreCase) || t.Contains(".yml", StringComparison.OrdinalIgnoreCase)
                || t.Contains("toml", StringComparison.OrdinalIgnoreCase) || t.Contains(".json", StringComparison.OrdinalIgnoreCase)
                || t.Contains("not found in type", StringComparison.Ordinal) || t.Contains("field not found, node", StringComparison.Ordinal) || t.Contains("invalid keys", StringComparison.Ordinal)
                || t.Contains("unmarshal", StringComparison.OrdinalIgnoreCase) || t.Contains("properties", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}
