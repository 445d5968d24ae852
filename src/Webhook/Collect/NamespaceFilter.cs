using System.Text.RegularExpressions;

namespace Webhook.Collect;

/// <summary>Decides which namespaces may be inspected: deny globs win, then an allow list if there is one.</summary>
public sealed partial class NamespaceFilter(NamespaceFilterOptions options)
{
    readonly (string Glob, Regex Regex)[] allow = options.Allow.Select(g => (g, ToRegex(g))).ToArray();
    readonly (string Glob, Regex Regex)[] deny = options.Deny.Select(g => (g, ToRegex(g))).ToArray();

    /// <summary>Null when the namespace may be inspected; else why not, in words fit for a notification.</summary>
    public string? WhyDenied(string ns)
    {
        foreach (var (glob, regex) in deny)
            if (regex.IsMatch(ns))
                return $"namespace '{ns}' is denied by Kubernetes:Namespaces:Deny ('{glob}'); not inspected";
        if (allow.Length > 0 && !allow.Any(a => a.Regex.IsMatch(ns)))
            return $"namespace '{ns}' is not in Kubernetes:Namespaces:Allow; not inspected";
        return null;
    }

    public static bool IsValidGlob(string glob) => glob.Length is > 0 and <= 63 && GlobChars().IsMatch(glob);

    static Regex ToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.CultureInvariant);

    [GeneratedRegex("^[a-z0-9*?-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex GlobChars();
}
