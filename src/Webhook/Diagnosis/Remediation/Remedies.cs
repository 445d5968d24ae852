namespace Webhook.Diagnosis;

/// <summary>Next steps grounded in this pod's spec: its limits, probes, command, env sources and security context.</summary>
public static partial class Remedies
{
    public static IReadOnlyList<string> For(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var steps = match.Cause switch
        {
            Causes.OomKilled => OomKilled(match, facts, findings),
            Causes.RuntimeOutOfMemory => RuntimeOutOfMemory(match, facts, findings),
            Causes.ProbeFailure => ProbeFailure(match, facts, findings),
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
        return Common(facts, findings).Concat(ConfigAnswered(facts, findings)).Concat(steps).Concat(ChangesAnswered(match.Cause, facts, findings))
            .Where(s => !string.IsNullOrWhiteSpace(s)).Distinct().ToList();
    }

    /// <summary>Steps that hold whatever the cause: what the log itself advises, an object it names as missing, a mount that hides files, a quoted value.</summary>
    static IEnumerable<string> Common(CrashFacts facts, Findings findings)
    {
        if (findings.First(FindingKinds.QuotedValue) is { } quoted)
            yield return $"env {quoted.Get("variable")} is set with literal quotes ({quoted.Get("quote")}…{quoted.Get("quote")}) around its value: in YAML, value: \"x\" is already a string, so remove the inner quotes";
        if (findings.First(FindingKinds.MountShadow) is { } shadow)
            yield return $"{shadow.Get("kind")} {shadow.Get("source")} is mounted over all of {shadow.Get("mountPath")}, which hides what the image has there (so {shadow.Get("path")} is missing): mount each key as a file with subPath (mountPath {shadow.Get("mountPath")}/FILE, subPath FILE) instead of the whole directory";
        if (findings.First(FindingKinds.MissingObject) is { } missing)
            yield return $"The container looks up {missing.Get("kind")} \"{missing.Get("name")}\" in namespace {facts.Namespace}, which does not exist: fix the name it waits for (kubectl get {Shell.Quote(missing.Get("kind")!)} -n {Shell.Quote(facts.Namespace)} lists the real ones) or create the object";
        if (findings.First(FindingKinds.DroppedCapability) is { } cap)
            yield return $"{facts.ContainerName} runs as root, but securityContext.capabilities drop [{cap.Get("drop")}] takes CAP_{cap.Get("capability")} away: add it back (capabilities: add: [{cap.Get("capability")}]; a PodSecurityPolicy's requiredDropCapabilities or a restricted Pod Security level may forbid that)"
                + (cap.Get("capability") == "CHOWN" && cap.Get("fsGroup") is { Length: > 0 } g ? $", or drop the chown step: fsGroup {g} already makes the volume group-writable" : "");
        if (findings.First(FindingKinds.LogHint) is { } hint)
            yield return $"The log itself advises: \"{hint.Get("hint")}\"";
    }

    /// <summary>
    /// What changed in the workload's template lately: often the trigger of a new crash loop. The rollback names the
    /// revision and the ReplicaSet that holds the template it returns to, when they are known.
    /// </summary>
    static string? RecentChange(CrashFacts facts) =>
        facts.Snapshot.Workload is { Changes.Count: > 0 } w
            ? $"{w.Kind} {w.Name} changed recently ({string.Join("; ", w.Changes.Take(3))}); if the crashes started with it, roll back: kubectl rollout undo {w.Kind.ToLowerInvariant()}/{w.Name} -n {facts.Namespace}"
                + (w.PreviousRevision is { } p ? $" --to-revision={p}" : "")
                + (w.PreviousName is { } before ? $" (ReplicaSet {before} holds the template before it)" : "")
            : null;

    /// <summary>"deployment/api", "statefulset/db" for kubectl rollout (<see cref="WorkloadRef"/>); null for what rollout cannot undo.</summary>
    static string? Owner(CrashFacts facts) =>
        WorkloadRef.Of(facts) is { Kind: "Deployment" or "StatefulSet" or "DaemonSet" } w ? w.Resource : null;

    static IEnumerable<string> Unknown(CrashFacts facts)
    {
        yield return $"Read the full previous log: kubectl logs {facts.PodName} -n {facts.Namespace} -c {facts.ContainerName} --previous";
        yield return "If the log is empty, the process dies before it writes anything: run the image by hand with the same command and env (kubectl debug or docker run) to see its output";
        yield return "Set terminationMessagePolicy: FallbackToLogsOnError so the next crash leaves its last log lines in the pod status";
        if (RecentChange(facts) is { } change) yield return change;
    }
}
