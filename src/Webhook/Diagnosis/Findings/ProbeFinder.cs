using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>
/// How the failing liveness or startup probe failed, from the kubelet's Unhealthy events and the probe's spec:
/// an HTTP status on a path and port, a refused connection, a timeout at timeoutSeconds, an exec command's
/// output; its budget (initialDelaySeconds + failureThreshold × periodSeconds) against the start-up time the
/// log shows; the container's other probes and the ports the app says it listens on, as hints.
/// </summary>
public sealed partial class ProbeFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause != Causes.ProbeFailure)
            return [];
        var kind = match.Detail is "startup" or "liveness" ? match.Detail : "liveness";
        return Read(facts, kind);
    }

    static IEnumerable<Finding> Read(CrashFacts facts, string kind)
    {
        var container = facts.Spec;
        var probe = ProbeSpec.Of(container, kind);
        var events = ProbeEvents(facts, kind);
        var failure = Failure.Of(events, probe);
        var log = StartupLog.Read(facts);
        var findings = new List<Finding>();
        var port = probe?.Port(container);

        if (failure is not null)
            findings.Add(failure.ToFinding(kind, probe, port));

        if (probe is not null)
        {
            var ran = facts.RunTime is { } t ? $"; the container ran {StatusText.Duration(t)}" : "";
            findings.Add(new Finding(FindingKinds.ProbeBudget,
                $"The {kind} probe ({probe.Target(container)}) allows initialDelaySeconds {probe.InitialDelay} + failureThreshold {probe.FailureThreshold} × periodSeconds {probe.Period} = {probe.Budget}s before a restart{ran}",
                "pod.spec")
            {
                Values = Values(("probe", kind), ("target", probe.Target(container)), ("initialDelaySeconds", N(probe.InitialDelay)),
                    ("periodSeconds", N(probe.Period)), ("failureThreshold", N(probe.FailureThreshold)), ("timeoutSeconds", N(probe.Timeout)),
                    ("budgetSeconds", N(probe.Budget)), ("mechanism", probe.Mechanism), ("path", probe.Path), ("port", port)),
            });
        }

        foreach (var listening in log.Ports)
            findings.Add(new Finding(FindingKinds.ListeningPort, $"The app says it listens on port {listening.Port}: {Text.Clip(listening.Line, 160)}", "log")
            {
                Values = Values(("port", listening.Port), ("host", listening.Host), ("line", Text.Clip(listening.Line, 300))),
            });

        if (log.StartupSeconds is { } startup && startup >= 1)
            findings.Add(new Finding(FindingKinds.StartupTime, $"The app took {Seconds(startup)}s to start: {Text.Clip(log.StartupLine ?? "", 160)}", "log")
            {
                Values = Values(("seconds", Seconds(startup)), ("line", Text.Clip(log.StartupLine ?? "", 300))),
            });

        if (probe is not null && SlowStart(facts, kind, probe, failure, log, port) is { } slow)
            findings.Add(slow);

        foreach (var other in ProbeSpec.All(container).Where(p => p.Kind != kind))
        {
            var otherFailure = Failure.Of(ProbeEvents(facts, other.Kind), other);
            var how = otherFailure is null ? "" : $"; it fails too: {otherFailure.Describe(other.Kind)}";
            findings.Add(new Finding(FindingKinds.OtherProbe, $"The {other.Kind} probe checks {other.Target(container)}{how}", "pod.spec")
            {
                Values = Values(("probe", other.Kind), ("target", other.Target(container)), ("mechanism", other.Mechanism), ("path", other.Path),
                    ("port", other.Port(container)), ("failing", otherFailure?.Mechanism), ("status", otherFailure?.Status),
                    ("periodSeconds", N(other.Period)), ("failureThreshold", N(other.FailureThreshold)), ("timeoutSeconds", N(other.Timeout))),
            });
        }
        return findings;
    }

    /// <summary>
    /// The start took longer than the failing probe allows: the log's start-up time above the budget, or no sign of
    /// a ready app while the probe was refused or timed out until the kill. A liveness probe behind a startupProbe
    /// only runs after start-up succeeded, so a slow start is not what kills it.
    /// </summary>
    static Finding? SlowStart(CrashFacts facts, string kind, ProbeSpec probe, Failure? failure, StartupLog.Result log, string? port)
    {
        if (kind == "liveness" && facts.Spec?.StartupProbe is not null) return null;
        double? seconds = null;
        var lowerBound = false;
        if (log.StartupSeconds is { } startup && startup > probe.Budget)
            seconds = startup;
        // Refused, timed out or "503 not ready yet" from start to kill, with no ready line in the log: still starting.
        else if (log.StartupSeconds is null && !log.SawReady && (failure?.Mechanism is "refused" or "timeout" || failure is { Mechanism: "http-status", Status: ['5', ..] })
                 && facts.RunTime is { } ran && ran.TotalSeconds <= probe.Budget + probe.Period + facts.Options.EventSlackSeconds
                 && !log.Ports.Any(p => p.Port != port))
        {
            seconds = Math.Round(ran.TotalSeconds);
            lowerBound = true;
        }
        if (seconds is not { } s) return null;
        var observed = lowerBound ? $"it was still starting when it was killed after {Seconds(s)}s" : $"it took {Seconds(s)}s to start";
        return new Finding(FindingKinds.SlowStart,
            $"The {kind} probe gives up after {probe.Budget}s, but {observed}", lowerBound ? "pod.status" : "log")
        {
            Values = Values(("probe", kind), ("startupSeconds", Seconds(s)), ("budgetSeconds", N(probe.Budget)), ("lowerBound", lowerBound ? "true" : "false")),
        };
    }

    /// <summary>The Unhealthy events of this probe kind, those of the instance that ended first.</summary>
    static List<Corev1Event> ProbeEvents(CrashFacts facts, string kind)
    {
        var all = facts.Events.Where(e => e.Reason == "Unhealthy" && (e.Message ?? "").StartsWith(kind, StringComparison.OrdinalIgnoreCase)).ToList();
        var during = all.Where(e => ContainerEvents.During(e, facts.Terminated?.StartedAt, facts.Terminated?.FinishedAt, facts.Options.EventSlackSeconds)).ToList();
        return during.Count > 0 ? during : all;
    }

    /// <summary>One way a probe failed, read from the kubelet's event message.</summary>
    public sealed record Failure(string Mechanism, string Message, int Count)
    {
        public string? Status { get; init; }
        public string? Port { get; init; }
        public string? Output { get; init; }

        public static Failure? Of(IReadOnlyList<Corev1Event> events, ProbeSpec? probe)
        {
            var parsed = events.Select(e => Parse(e, probe)).OfType<Failure>().ToList();
            return parsed.GroupBy(f => (f.Mechanism, f.Status)).OrderByDescending(g => g.Sum(f => f.Count))
                .Select(g => g.First() with { Count = g.Sum(f => f.Count) }).FirstOrDefault();
        }

        static Failure? Parse(Corev1Event e, ProbeSpec? probe)
        {
            var message = e.Message ?? "";
            // "Liveness probe failed: …", or "Liveness probe errored: …" when the kubelet could not run the probe at all.
            var marker = message.Contains("errored:", StringComparison.OrdinalIgnoreCase) ? "errored:" : "failed:";
            var colon = message.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
            var detail = colon < 0 ? "" : message[(colon + marker.Length)..].Trim();
            var count = e.Count ?? 1;
            var status = StatusCode().Match(detail);
            if (status.Success) return new Failure("http-status", detail, count) { Status = status.Groups[1].Value };
            if (Refused().IsMatch(detail)) return new Failure("refused", detail, count) { Port = DialPort().Match(detail) is { Success: true } p ? p.Groups[1].Value : null };
            if (TimedOut().IsMatch(detail)) return new Failure("timeout", detail, count);
            // An exec probe the kubelet stopped at timeoutSeconds leaves no output at all.
            if (detail.Length == 0) return probe?.Mechanism == "exec" ? new Failure("timeout", detail, count) : null;
            return new Failure(probe?.Mechanism == "exec" ? "exec" : "other", detail, count) { Output = detail };
        }

        public string Describe(string kind) => Mechanism switch
        {
            "http-status" => $"HTTP {Status}",
            "refused" => "connection refused",
            "timeout" => "timed out",
            "exec" => $"exec output \"{Text.Clip(Output ?? "", 120)}\"",
            _ => Text.Clip(Message, 120),
        };

        public Finding ToFinding(string kind, ProbeSpec? probe, string? port)
        {
            var times = Count > 1 ? $" ({Count}×)" : "";
            var target = probe is null ? "" : $" ({probe.Target(null)})";
            return Mechanism switch
            {
                "http-status" => new Finding(FindingKinds.ProbeHttpStatus,
                    $"The {kind} probe got HTTP {Status} from {probe?.Path ?? "its path"} on port {port ?? "?"}{times}", "event")
                {
                    Values = Values(("probe", kind), ("status", Status), ("path", probe?.Path), ("port", port), ("count", N(Count))),
                },
                "refused" => new Finding(FindingKinds.ProbeRefused,
                    $"The {kind} probe's connection to port {Port ?? port ?? "?"} was refused{times}: nothing listened there", "event")
                {
                    Values = Values(("probe", kind), ("port", port ?? Port), ("dialPort", Port), ("count", N(Count)), ("message", Text.Clip(Message, 300))),
                },
                "timeout" => new Finding(FindingKinds.ProbeTimeout,
                    $"The {kind} probe{target} timed out at timeoutSeconds {probe?.Timeout.ToString(CultureInfo.InvariantCulture) ?? "?"}{times}" +
                    (Message.Length == 0 ? " (an exec probe stopped at its timeout leaves an empty message)" : $": {Text.Clip(Message, 160)}"), "event")
                {
                    Values = Values(("probe", kind), ("timeoutSeconds", probe is null ? null : N(probe.Timeout)), ("mechanism", probe?.Mechanism),
                        ("count", N(Count)), ("message", Text.Clip(Message, 300))),
                },
                "exec" => new Finding(FindingKinds.ProbeExecFailed,
                    $"The {kind} probe{target} failed{times}: {Text.Clip(Message, 200)}", "event")
                {
                    Values = Values(("probe", kind), ("command", probe?.Command), ("output", Text.Clip(Output ?? Message, 300)), ("count", N(Count))),
                },
                _ => new Finding(FindingKinds.ProbeError,
                    $"The {kind} probe{target} failed{times}: {Text.Clip(Message, 200)}", "event")
                {
                    Values = Values(("probe", kind), ("mechanism", probe?.Mechanism), ("port", port), ("error", Text.Clip(Output ?? Message, 300)), ("count", N(Count))),
                },
            };
        }
    }

    static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    static string Seconds(double s) => s.ToString("0.#", CultureInfo.InvariantCulture);

    static Dictionary<string, string> Values(params (string Key, string? Value)[] pairs) =>
        pairs.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary(p => p.Key, p => p.Value!);

    [GeneratedRegex(@"status ?code:? ?(\d{3})", RegexOptions.IgnoreCase)]
    private static partial Regex StatusCode();

    [GeneratedRegex(@"connection refused|ECONNREFUSED|connect: cannot assign", RegexOptions.IgnoreCase)]
    private static partial Regex Refused();

    [GeneratedRegex(@":(\d{2,5}): connect", RegexOptions.IgnoreCase)]
    private static partial Regex DialPort();

    [GeneratedRegex(@"deadline exceeded|Client\.Timeout|timed? ?out|timeout: failed to connect|i/o timeout|request canceled", RegexOptions.IgnoreCase)]
    private static partial Regex TimedOut();
}
