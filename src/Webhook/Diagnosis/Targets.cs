using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>Pulls the concrete thing a log line is about: a host:port, a path, a variable name.</summary>
public static partial class Targets
{
    public static string? HostPort(string line)
    {
        // A DNS failure names the DNS server's address too: the looked-up name is the target.
        var m = LookupHost().Match(line);
        if (m.Success) return m.Groups["h"].Value;
        // "read tcp 10.0.1.5:44288->172.20.7.1:5432": the left side is our own socket, the right the peer.
        m = Peer().Match(line);
        if (m.Success) return m.Groups["peer"].Value;
        // libpq and friends name the host as host=NAME next to the IP they dialled: the name is what to fix.
        m = KeyValueHost().Match(line);
        if (m.Success && !System.Net.IPAddress.TryParse(m.Groups["h"].Value, out _))
            return m.Groups["h"].Value + (m.Groups["p"].Success ? ":" + m.Groups["p"].Value : HostAndPort().Match(line) is { Success: true } dialled && dialled.Value.LastIndexOf(':') is var c and > 0 ? dialled.Value[c..] : "");
        m = Url().Match(line);
        if (m.Success) return m.Groups["host"].Value + (m.Groups["port"].Success ? ":" + m.Groups["port"].Value : "");
        for (m = HostAndPort().Match(line); m.Success; m = m.NextMatch())
            if (!IsSourceLocation(line, m)) return m.Value;
        return null;
    }

    /// <summary>"store.go:112" or "main.rs:14:5" is where the code failed, not a host the app tried to reach.</summary>
    static bool IsSourceLocation(string line, Match m)
    {
        var host = m.Value[..m.Value.LastIndexOf(':')];
        var dot = host.LastIndexOf('.');
        if (dot >= 0 && SourceExtensions.Contains(host[(dot + 1)..]))
            return true;
        var end = m.Index + m.Length;
        return end + 1 < line.Length && line[end] == ':' && char.IsAsciiDigit(line[end + 1]) && !host.Contains('.', StringComparison.Ordinal);
    }

    static readonly HashSet<string> SourceExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        "go", "rs", "py", "rb", "js", "mjs", "cjs", "ts", "java", "kt", "scala", "cs", "fs", "c", "cc", "cpp", "h", "hpp",
        "ex", "exs", "erl", "php", "swift", "lua", "pl", "sh", "groovy", "clj", "dart", "zig", "nim", "hs", "ml",
    };

    /// <summary>The host:port of the decisive line, else of the nearest line above it that names one.</summary>
    public static string? HostPortNear(LogView log, string? decisive)
    {
        if (decisive is null) return null;
        if (HostPort(decisive) is { } direct) return direct;
        var index = -1;
        for (var i = log.Lines.Count - 1; i >= 0; i--)
            if (log.Lines[i].Text.Trim() == decisive) { index = i; break; }
        for (var i = index - 1; i >= 0 && i >= index - 30; i--)
            if (!log.Lines[i].IsFrame && HostPort(log.Lines[i].Text) is { } near) return near;
        return null;
    }

    /// <summary>Every absolute path in the line, in order.</summary>
    public static IEnumerable<string> Paths(string line)
    {
        foreach (Match m in FilePath().Matches(line))
            yield return m.Groups[1].Value.TrimEnd('\'', '"', ':', ',', ')');
    }

    public static string? Path(string line)
    {
        var m = FilePath().Match(line);
        return m.Success ? m.Groups[1].Value.TrimEnd('\'', '"', ':', ',', ')') : null;
    }

    /// <summary>The environment variable (or setting) a config error names.</summary>
    public static string? Variable(string line)
    {
        var m = QuotedVar().Match(line);
        if (m.Success) return m.Groups[1].Value;
        m = BareVar().Match(line);
        return m.Success ? m.Value : null;
    }

    [GeneratedRegex(@"\b[a-z][a-z0-9+.-]*://(?:[^@\s/]+@)?(?<host>[\w.-]+)(?::(?<port>\d{2,5}))?", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    [GeneratedRegex(@"(?<![\w.:/-])(?:\d{1,3}(?:\.\d{1,3}){3}|[a-z0-9-]*[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*|\[[0-9a-f:]+\]):\d{2,5}\b", RegexOptions.IgnoreCase)]
    private static partial Regex HostAndPort();

    [GeneratedRegex(@"\S+:\d+->(?<peer>[\w.-]+:\d{2,5})\b")]
    private static partial Regex Peer();

    [GeneratedRegex(@"\bhost=(?<h>[\w.-]+)(?:.*?\bport=(?<p>\d{2,5}))?")]
    private static partial Regex KeyValueHost();

    [GeneratedRegex(@"lookup (?<h>[\w.-]+)|host name ""?(?<h>[\w.-]+)|getaddrinfo \w+ (?<h>[\w.-]+)|host ""(?<h>[\w.-]+)""|to host (?<h>[\w.-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex LookupHost();

    [GeneratedRegex(@"(?:^|[\s'""(=:])((?:/[\w.@+-]+){1,}/?)")]
    private static partial Regex FilePath();

    [GeneratedRegex(@"['""`]([A-Z][A-Z0-9_]{2,})['""`]")]
    private static partial Regex QuotedVar();

    [GeneratedRegex(@"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")]
    private static partial Regex BareVar();
}
