using System.Text.Json.Nodes;

namespace Webhook.Diagnosis;

/// <summary>
/// The answers decide: a container that exits with an error of its own (no OOM kill, no probe kill, no signal, no
/// specific cause in its log) while a Service it is configured to reach has no ready endpoint waits on that
/// dependency, whatever its log manages to say ("no Elasticsearch node available", or nothing after "Connecting to
/// zookeeper"). Surer when the log's last lines name the dependency. A Service that selects this pod itself is its
/// own, not a dependency.
/// </summary>
public sealed class UnreadyDependencyRule : ICrashRule
{
    /// <summary>Above an application error's log line, below the structured rules (OOMKilled, probe kills, start errors).</summary>
    public const double Mentioned = 0.8;
    public const double Configured = 0.6;

    public RuleMatch? Evaluate(CrashFacts facts)
    {
        if (facts.Terminated is not { ExitCode: > 0 and < 128 or 255, Reason: not "OOMKilled" } || facts.Snapshot.Objects.Count == 0)
            return null;
        // A log that names a specific cause (out of heap, a missing setting, a denied path) keeps it: the answers
        // decide only for an app's own error, or for a log that says nothing decisive.
        if (facts.Verdict is { } verdict && verdict.Score >= facts.Options.MinLogScore
            && verdict.Cause is not (Causes.ApplicationError or Causes.DependencyUnavailable or Causes.Unknown))
            return null;
        if (Find(facts) is not { } found)
            return null;
        var (host, service, pod) = found;
        var evidence = new List<Evidence> { new("pod.status", StatusText.Terminated(facts)) };
        if (MentionLine(facts, host) is { } line) evidence.Add(new("log", line));
        var fault = pod is null ? "" : $": {pod}";
        return new RuleMatch(Causes.DependencyUnavailable, host.Mentioned ? Mentioned : Configured,
            $"{facts.ContainerName} exits while {service} ({host.Namespace}), the Service it reaches as {host.Target} ({host.Where}), has 0 ready endpoints{fault}.")
        {
            Evidence = evidence,
            Detail = host.Target,
            Rule = nameof(UnreadyDependencyRule),
        };
    }

    /// <summary>The first configured host whose Service was answered with 0 ready endpoints, and the state of its first pod.</summary>
    public static (ConfiguredHosts.Host Host, string Service, string? Pod)? Find(CrashFacts facts)
    {
        var answers = Answers.Of(facts.Snapshot);
        foreach (var host in ConfiguredHosts.Of(facts))
        {
            if (answers.Get("Service", host.Namespace, host.Service) is not { } service) continue;
            var selector = service["spec"]?["selector"];
            if (Answers.Selector(selector) is null || Answers.Selects(selector, facts.Snapshot.Pod?.Metadata?.Labels) && host.Namespace == facts.Namespace) continue;
            if (answers.Endpoints(host.Namespace, host.Service) is not { Ready: 0 }) continue;
            var backing = answers.All("Pod", host.Namespace)
                .Where(p => Answers.Name(p) != facts.PodName && Answers.Selects(selector, Labels(p)))
                .Select(answers.As<k8s.Models.V1Pod>).OfType<k8s.Models.V1Pod>().FirstOrDefault();
            var pod = backing is null ? null : $"{backing.Metadata.Name} is {PodState.Describe(backing, facts.Options).Text}";
            return (host, host.Service, pod);
        }
        return null;
    }

    /// <summary>The last line that names the host itself, else the last that names the dependency by a word of its Service.</summary>
    static string? MentionLine(CrashFacts facts, ConfiguredHosts.Host host)
    {
        if (!host.Mentioned) return null;
        var lines = facts.Log.Lines.Where(l => !l.IsFrame).ToList();
        var line = lines.LastOrDefault(l => l.Text.Contains(host.Name, StringComparison.OrdinalIgnoreCase))
            ?? lines.LastOrDefault(l => ConfiguredHosts.Mentions(l.Text, host, facts.PodName));
        return line is null ? null : Text.Clip(line.Text.Trim(), 300);
    }

    static Dictionary<string, string>? Labels(JsonObject pod) =>
        (pod["metadata"]?["labels"] as JsonObject)?.ToDictionary(p => p.Key, p => Answers.Str(p.Value) ?? "");
}
