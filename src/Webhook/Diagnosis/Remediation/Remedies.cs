namespace Webhook.Diagnosis;

/// <summary>Next steps grounded in this pod's spec: its limits, probes, command, env sources and security context.</summary>
public static partial class Remedies
{
    public static IReadOnlyList<string> For(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var steps = match.Cause switch
        {
            Causes.OomKilled => OomKilled(facts),
            Causes.RuntimeOutOfMemory => RuntimeOutOfMemory(match, facts),
            Causes.ProbeFailure => ProbeFailure(match, facts),
            Causes.BadCommand => BadCommand(match, facts, findings),
            Causes.WrongArchitecture => WrongArchitecture(facts),
            Causes.CleanExit => CleanExit(facts, findings),
            Causes.NativeCrash => NativeCrash(facts, findings),
            Causes.ConfigError => ConfigSteps(match, facts, findings),
            Causes.PermissionDenied => PermissionSteps(match, facts, findings),
            Causes.DependencyUnavailable => DependencyUnavailable(facts, findings),
            Causes.ApplicationError => ApplicationError(match, facts, findings),
            _ => Unknown(facts),
        };
        return steps.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();
    }

    /// <summary>What changed in the workload's template lately: often the trigger of a new crash loop.</summary>
    static string? RecentChange(CrashFacts facts) =>
        facts.Snapshot.Workload is { Changes.Count: > 0 } w
            ? $"{w.Kind} {w.Name} changed recently ({string.Join("; ", w.Changes.Take(3))}); if the crashes started with it, roll back: kubectl rollout undo {w.Kind.ToLowerInvariant()}/{w.Name} -n {facts.Namespace}"
            : null;

    static IEnumerable<string> Unknown(CrashFacts facts)
    {
        yield return $"Read the full previous log: kubectl logs {facts.PodName} -n {facts.Namespace} -c {facts.ContainerName} --previous";
        yield return "If the log is empty, the process dies before it writes anything: run the image by hand with the same command and env (kubectl debug or docker run) to see its output";
        yield return "Set terminationMessagePolicy: FallbackToLogsOnError so the next crash leaves its last log lines in the pod status";
        if (RecentChange(facts) is { } change) yield return change;
    }
}
