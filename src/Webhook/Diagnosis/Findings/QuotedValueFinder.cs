namespace Webhook.Diagnosis;

/// <summary>
/// An env value written with its quotes (value: "\"postgres://...\"" or '...'): the quotes become part of the
/// value, so a URL, number or flag no longer parses. Copying a .env file into a manifest does this.
/// </summary>
public sealed class QuotedValueFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match) => Quoted(facts);

    public static IEnumerable<Finding> Quoted(CrashFacts facts)
    {
        foreach (var e in facts.Spec?.Env ?? [])
            if (e.Value is { Length: >= 2 } v && (v[0] == '"' && v[^1] == '"' || v[0] == '\'' && v[^1] == '\''))
                yield return new Finding(FindingKinds.QuotedValue, $"env {e.Name} has literal quotes around its value", "pod.spec")
                {
                    Values = new Dictionary<string, string> { ["variable"] = e.Name, ["quote"] = v[0].ToString() },
                };
    }
}
