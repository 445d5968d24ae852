using System.Text.RegularExpressions;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// The cluster Services a container is configured to reach, when its log names no host:port: URLs and host:port
/// pairs in its command, args and literal env values, and bare names in flags and variables named like an address
/// (KAFKA_ZOOKEEPER_CONNECT=zk, --db-host=postgres). Only names of the Service DNS forms count (NAME, NAME.NS,
/// NAME.NS.svc…); hosts the log's last lines mention come first. The collector cuts literal env values down to the
/// addresses they name (Collect/EnvRedaction, which shares this class's idea of an address-named variable), so a live
/// pod offers the same hosts as a bundle taken with kubectl.
/// </summary>
public static partial class ConfiguredHosts
{
    /// <summary>A host, its port when configured, the Service and namespace it names, and where it is configured ("env ES_URLS", "arg --es.server-urls").</summary>
    public sealed record Host(string Name, string? Port, string Service, string Namespace, string Where, bool Mentioned)
    {
        public string Target => Port is null ? Name : $"{Name}:{Port}";
    }

    /// <summary>Log lines read for a mention: the crash is in the last lines, and the attempt that failed just above.</summary>
    const int MentionWindow = 30;

    /// <summary>Words of a Service name too common to say the log means that Service.</summary>
    static readonly HashSet<string> CommonWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "client", "server", "service", "headless", "internal", "external", "master", "primary", "replica", "main", "http", "https", "grpc", "proxy",
    };

    public static IReadOnlyList<Host> Of(CrashFacts facts)
    {
        var hosts = new List<Host>();
        var spec = facts.Spec;
        string? flag = null;
        foreach (var word in (spec?.Command ?? []).Concat(spec?.Args ?? []))
        {
            // "--db-host=postgres", or "--db-host postgres" (the flag, then its value).
            var (name, value) = word.StartsWith('-') && word.IndexOf('=') is var eq and > 0 ? (word[..eq], word[(eq + 1)..]) : (flag, word);
            flag = word.StartsWith('-') && !word.Contains('=') ? word : null;
            if (word.StartsWith('-') && !word.Contains('=')) continue;
            Add(hosts, facts, value, name is not null && EnvRedaction.IsAddressName(name), $"arg {name ?? word}");
        }
        foreach (var e in spec?.Env ?? [])
            if (e.Value is { Length: > 0 } value && value != PodRedaction.Redacted)
                Add(hosts, facts, value, EnvRedaction.IsAddressName(e.Name), $"env {e.Name}");
        var log = string.Join('\n', facts.Log.Lines.TakeLast(MentionWindow).Select(l => l.Text));
        return hosts.Select(h => h with { Mentioned = Mentions(log, h, facts.PodName) })
            .OrderByDescending(h => h.Mentioned).DistinctBy(h => (h.Service, h.Namespace)).ToList();
    }

    static void Add(List<Host> hosts, CrashFacts facts, string value, bool addressNamed, string where)
    {
        foreach (var token in Separator().Split(value))
        {
            string? host = null, port = null;
            if (Url().Match(token) is { Success: true } url) (host, port) = (url.Groups["host"].Value, url.Groups["port"].Success ? url.Groups["port"].Value : null);
            else if (HostPort().Match(token) is { Success: true } hp) (host, port) = (hp.Groups["host"].Value, hp.Groups["port"].Value);
            else if (addressNamed && DnsName().IsMatch(token)) host = token;
            if (host is null || DependencyFinder.Scope(host, facts.Namespace) is not ("service", { } svc, { } ns)) continue;
            if (!KubernetesNames.IsDnsLabel(svc) || !KubernetesNames.IsDnsLabel(ns)) continue;
            hosts.Add(new Host(host, port, svc, ns, where, false));
        }
    }

    /// <summary>The log names the host, or a distinctive word of the Service's name that the pod's own name does not hold.</summary>
    public static bool Mentions(string log, Host host, string podName)
    {
        if (log.Length == 0) return false;
        if (Regex.IsMatch(log, $@"(?<![\w-]){Regex.Escape(host.Name)}(?![\w-])", RegexOptions.IgnoreCase)) return true;
        var own = podName.Split('-').ToHashSet(StringComparer.OrdinalIgnoreCase);
        return host.Service.Split('-').Where(w => w.Length >= 4 && !own.Contains(w) && !CommonWords.Contains(w) && w.Any(char.IsAsciiLetter))
            .Any(w => Regex.IsMatch(log, $@"\b{Regex.Escape(w)}\b", RegexOptions.IgnoreCase));
    }

    [GeneratedRegex(@"[\s,;]+")]
    private static partial Regex Separator();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*://(?:[^@\s/]+@)?(?<host>[\w.-]+)(?::(?<port>\d{2,5}))?", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    [GeneratedRegex(@"^(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*):(?<port>\d{2,5})(/.*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex HostPort();

    /// <summary>A DNS name with a letter in its first label: not a number, a path, a flag or a word with spaces.</summary>
    [GeneratedRegex(@"^[a-z0-9-]*[a-z][a-z0-9-]*(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.IgnoreCase)]
    private static partial Regex DnsName();
}
