using System.Net;
using System.Text.RegularExpressions;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// The host and port the app failed to reach, the kind of failure (refused, timeout, name not resolved, reset),
/// and what the name is: a Service of this or another namespace (by the in-cluster DNS forms), loopback,
/// an IP, or an external name.
/// </summary>
public sealed partial class DependencyFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause != Causes.DependencyUnavailable)
            yield break;
        var target = Targets.HostPortNear(facts.Log, match.Detail);
        ConfiguredHosts.Host? configured = null;
        if (target is null || match.Rule == nameof(UnreadyDependencyRule))
        {
            // The log names no host (or the answers decided): the Service the container is configured to reach.
            configured = UnreadyDependencyRule.Find(facts)?.Host ?? (target is null ? ConfiguredHosts.Of(facts).FirstOrDefault(h => h.Mentioned) : null);
            target = configured?.Target ?? target;
        }
        if (target is null)
            yield break;
        var (host, port) = Split(target);
        var kind = ErrorKind(match.Detail ?? "");
        var values = new Dictionary<string, string> { ["host"] = host, ["error"] = kind, ["target"] = target };
        if (port is not null) values["port"] = port;
        var (scope, service, ns) = Scope(host, facts.Namespace);
        values["scope"] = scope;
        if (service is not null) { values["service"] = service; values["namespace"] = ns!; }
        if (configured is not null)
        {
            var (how, name) = (configured.Where[..configured.Where.IndexOf(' ')], configured.Where[(configured.Where.IndexOf(' ') + 1)..]);
            values["variable"] = name;
            values["variableSource"] = how == "env" ? "a literal value" : "an argument of the container";
        }
        else if (HostVariable(facts, host) is { } variable) { values["variable"] = variable.Name; values["variableSource"] = variable.Source; }
        if (scope == "loopback" && Neighbour(facts, port) is { } neighbour) { values["neighbour"] = neighbour.Name; values["neighbourState"] = neighbour.State; }

        var what = scope switch
        {
            "service" => $"Service {service} in namespace {ns}",
            "loopback" => "loopback: the container itself",
            "ip" => "an IP address",
            _ => "a name outside the cluster's service DNS",
        };
        yield return configured is null
            ? new Finding(FindingKinds.Unreachable, $"{target} ({what}): {kind}", "log") { Values = values }
            : new Finding(FindingKinds.Unreachable, $"{target} ({what}), configured in {configured.Where}: {kind}", "pod.spec") { Values = values };
    }

    /// <summary>The env variable that configures the host: one whose literal value names it, else one named like an address.</summary>
    static (string Name, string Source)? HostVariable(CrashFacts facts, string host)
    {
        var env = facts.Spec?.Env ?? [];
        foreach (var e in env)
            if (e.Value is { Length: > 0 } v && v.Contains(host, StringComparison.OrdinalIgnoreCase))
                return (e.Name, "a literal value");
        foreach (var e in env)
            if (EnvRedaction.IsAddressName(e.Name) && e.ValueFrom is { } from)
                return (e.Name, from.SecretKeyRef is { } s ? $"Secret {s.Name} key {s.Key}" : from.ConfigMapKeyRef is { } c ? $"ConfigMap {c.Name} key {c.Key}" : "a field reference");
        return null;
    }

    /// <summary>Another container of the same pod that would serve a loopback address: the one declaring the port, else a proxy.</summary>
    static (string Name, string State)? Neighbour(CrashFacts facts, string? port)
    {
        var pod = facts.Snapshot.Pod;
        var others = (pod?.Spec?.Containers ?? []).Concat((pod?.Spec?.InitContainers ?? []).Where(c => c.RestartPolicy == "Always"))
            .Where(c => c.Name != facts.ContainerName).ToList();
        var serving = others.FirstOrDefault(c => port is not null && (c.Ports ?? []).Any(p => p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port))
            ?? others.FirstOrDefault(c => c.Name.Contains("proxy", StringComparison.OrdinalIgnoreCase) || (c.Image ?? "").Contains("proxy", StringComparison.OrdinalIgnoreCase));
        if (serving is null) return null;
        var status = (pod?.Status?.ContainerStatuses ?? []).Concat(pod?.Status?.InitContainerStatuses ?? []).FirstOrDefault(s => s.Name == serving.Name);
        var state = status?.State?.Waiting?.Reason ?? (status?.State?.Running is not null ? (status.Ready ? "running, ready" : "running, not ready") : status?.State?.Terminated?.Reason ?? "unknown");
        if (status?.RestartCount is > 0) state += $", {status.RestartCount} restarts";
        return (serving.Name, state);
    }

    public static (string Host, string? Port) Split(string target)
    {
        var colon = target.LastIndexOf(':');
        return colon > 0 && target[(colon + 1)..].All(char.IsAsciiDigit) && !target.EndsWith(']') ? (target[..colon], target[(colon + 1)..]) : (target, null);
    }

    static string ErrorKind(string line) =>
        NameError().IsMatch(line) ? "name not resolved"
        : Refused().IsMatch(line) ? "connection refused"
        : Timeout().IsMatch(line) ? "timed out"
        : Reset().IsMatch(line) ? "connection reset"
        : "unreachable";

    /// <summary>Kubernetes names a Service NAME, NAME.NS, NAME.NS.svc or NAME.NS.svc.&lt;cluster domain&gt;; a headless pod is POD.NAME.NS.svc….</summary>
    internal static (string Scope, string? Service, string? Namespace) Scope(string host, string podNamespace)
    {
        var h = host.Trim('[', ']').ToLowerInvariant();
        if (h is "localhost" or "127.0.0.1" or "::1" or "0.0.0.0") return ("loopback", null, null);
        if (IPAddress.TryParse(h, out _)) return ("ip", null, null);
        var parts = h.Split('.');
        var svc = Array.IndexOf(parts, "svc");
        if (svc >= 2) return ("service", parts[svc - 2], parts[svc - 1]);
        if (parts.Length == 1) return ("service", parts[0], podNamespace);
        if (parts.Length == 2 && !CommonTld().IsMatch(parts[1])) return ("service", parts[0], parts[1]);
        return ("external", null, null);
    }

    [GeneratedRegex(@"no such host|Name or service not known|ENOTFOUND|EAI_AGAIN|could not translate host name|Temporary failure in name resolution|UnknownHostException|nodename nor servname|Name does not resolve|host not found|getaddrinfo|Unknown MySQL server host", RegexOptions.IgnoreCase)]
    private static partial Regex NameError();

    [GeneratedRegex(@"refused|ECONNREFUSED|Is the server running", RegexOptions.IgnoreCase)]
    private static partial Regex Refused();

    [GeneratedRegex(@"time[ds]? ?out|ETIMEDOUT|deadline exceeded|server selection tim", RegexOptions.IgnoreCase)]
    private static partial Regex Timeout();

    [GeneratedRegex(@"reset|ECONNRESET|broken pipe", RegexOptions.IgnoreCase)]
    private static partial Regex Reset();

    [GeneratedRegex(@"^(com|net|org|io|dev|cloud|app|local|internal|amazonaws|azure|gov|edu|[a-z]{2})$")]
    private static partial Regex CommonTld();
}
