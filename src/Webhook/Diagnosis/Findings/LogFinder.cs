using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// What the log itself says to do or names as missing: many programs print their own fix next to the error
/// ("Consider increasing horizon.memory_limit", "Run `bin/rails db:encryption:init`", "HINT: ..."), and a
/// wait-for script names the Kubernetes object it could not find. Both are quoted as they are.
/// </summary>
public sealed partial class LogFinder : IFinder
{
    const int Window = 12;

    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        var lines = facts.Log.Lines;
        var end = lines.Count;
        var decisive = match.Detail is { } detail ? IndexOf(lines, detail) : -1;
        var from = decisive >= 0 ? Math.Max(0, decisive - 3) : Math.Max(0, end - Window);
        var to = decisive >= 0 ? Math.Min(end, decisive + Window) : end;
        for (var i = from; i < to; i++)
        {
            if (lines[i].IsFrame) continue;
            var text = lines[i].Text.Trim();
            if (Hint().IsMatch(text))
            {
                yield return new Finding(FindingKinds.LogHint, Text.Clip(text, 300), "log") { Values = new Dictionary<string, string> { ["hint"] = Text.Clip(text, 300) } };
                break;
            }
        }
        foreach (var line in lines.Reverse().Take(40))
            if (NotFound().Match(line.Text) is { Success: true } m)
            {
                yield return new Finding(FindingKinds.MissingObject, $"{m.Groups["kind"].Value} \"{m.Groups["name"].Value}\" does not exist", "log")
                {
                    Values = new Dictionary<string, string> { ["kind"] = m.Groups["kind"].Value, ["name"] = m.Groups["name"].Value },
                };
                break;
            }
    }

    static int IndexOf(IReadOnlyList<LogLine> lines, string detail)
    {
        for (var i = lines.Count - 1; i >= 0; i--)
            if (lines[i].Text.Trim() is { Length: > 0 } t && detail.StartsWith(t, StringComparison.Ordinal)) return i;
        return -1;
    }

    [GeneratedRegex(@"^(HINT|Hint|hint|TIP|Tip|Suggestion|Solution)\s*:|\b(Consider (increasing|setting|using|adding|raising|lowering|enabling|disabling)|Please (run|set|use|check|remove|make sure|ensure|add|specify|provide|increase|install|upgrade|migrate)|Try (running|setting|using|adding|increasing)|To fix (this|it)|You (must|need to|should|can) (run|set|use|add|specify|provide|increase|install|pass|enable|disable|configure)|Did you mean|Run `[^`]+`|run '[^']+' to|(Set|Add|Use) the [\w.-]+ (option|flag|setting|variable|parameter))")]
    private static partial Regex Hint();

    [GeneratedRegex(@"Error from server \(NotFound\): (?<kind>[\w.]+) ""(?<name>[^""]+)"" not found")]
    private static partial Regex NotFound();
}
