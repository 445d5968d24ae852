namespace Webhook.Diagnosis;

/// <summary>
/// Configuration faults a generic exception pattern would call an application error: a service-link value
/// (tcp://IP:PORT) where the app expected a port or number (NumberFormatException, strconv.Atoi, int()), and a
/// field a strict config loader rejects (unknown field, field X not found in type, has invalid keys).
/// </summary>
public sealed class ConfigSignalRule : ICrashRule
{
    const int Lines = 12;
    const double Confidence = 0.88;

    public RuleMatch? Evaluate(CrashFacts facts)
    {
        var lines = facts.Log.Lines;
        var seen = 0;
        for (var i = lines.Count - 1; i >= 0 && seen < Lines; i--)
        {
            var line = lines[i];
            if (line.IsFrame || string.IsNullOrWhiteSpace(line.Text)) continue;
            seen++;
            var text = line.Text.Trim();
            var previous = Previous(lines, i);
            string? summary = null;
            if (ConfigText.ServiceLink(text) is { } link)
                summary = $"{facts.ContainerName} exits because a setting holds {link.Value}, the form of a Kubernetes service-link variable, where a port or number was expected: {Text.Quote(text)}.";
            else if (ConfigText.UnknownField(text, previous) is { } field && ConfigContext(lines, i))
                summary = $"{facts.ContainerName} exits because its config has a field the program does not know ({field.Field}): {Text.Quote(text)}.";
            else if (ConfigText.UnknownFlags(text) is { Count: > 0 } flags)
                summary = $"{facts.ContainerName} exits because its command line has a flag the program does not know ({flags[0]}): {Text.Quote(text)}.";
            else if (ConfigFinder.MountHides(facts, [text]) is { } hides)
                summary = $"{facts.ContainerName} exits because {hides.Get("object")} is mounted over the image's {hides.Get("mountPath")} directory and hides its files: {Text.Quote(text)}.";
            else if (ConfigText.IsVariablesHeader(text) && ConfigText.ListedVariables(lines.Skip(i).Take(32).ToList()) is { Count: > 0 } listed)
                summary = $"{facts.ContainerName} exits because required variables are not set ({string.Join(", ", listed)}): {Text.Quote(text)}.";
            if (summary is null) continue;

            var evidence = new List<Evidence>();
            if (facts.Terminated is not null) evidence.Add(new("pod.status", StatusText.Terminated(facts)));
            evidence.Add(new("log", text));
            return new RuleMatch(Causes.ConfigError, Confidence, summary) { Evidence = evidence, Detail = text, Rule = nameof(ConfigSignalRule) };
        }
        return null;
    }

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
                || t.Contains("not found in type", StringComparison.Ordinal) || t.Contains("invalid keys", StringComparison.Ordinal)
                || t.Contains("unmarshal", StringComparison.OrdinalIgnoreCase) || t.Contains("properties", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}
