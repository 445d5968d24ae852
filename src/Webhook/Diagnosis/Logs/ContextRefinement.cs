using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// Lines whose meaning depends on the frames just above them: a Python KeyError raised while indexing a
/// config dict or os.environ is a missing setting, not a bug.
/// </summary>
public static partial class ContextRefinement
{
    static readonly LogPattern MissingConfigKey = new("missing config key", Causes.ConfigError, 0.85, KeyError());

    public static LogPattern? Refine(IReadOnlyList<LogLine> lines, int index, LogPattern? pattern)
    {
        if (pattern?.Cause != Causes.ApplicationError || !KeyError().IsMatch(lines[index].Text))
            return pattern;
        for (var i = index - 1; i >= 0 && i >= index - 4; i--)
            if (ConfigLookup().IsMatch(lines[i].Text)) return MissingConfigKey;
        return pattern;
    }

    [GeneratedRegex(@"^KeyError: ")]
    private static partial Regex KeyError();

    [GeneratedRegex(@"environ|getenv|config|conf\[|cfg|settings|options\[", RegexOptions.IgnoreCase)]
    private static partial Regex ConfigLookup();
}
