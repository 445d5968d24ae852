using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// Removes the prefixes tools add in front of every line: kubectl logs --timestamps (RFC 3339 + space) and
/// the CRI file format of /var/log/pods ("TIMESTAMP stdout F "), so anchored patterns still match.
/// </summary>
public static partial class LinePrefix
{
    public static string Strip(string line) =>
        line.Length > 20 && char.IsAsciiDigit(line[0]) && line[4] == '-' && Prefix().Match(line) is { Success: true } m ? line[m.Length..] : line;

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) ((stdout|stderr) [FP] )?")]
    private static partial Regex Prefix();
}
