namespace Webhook.Diagnosis;

/// <summary>Steps written from the answers to follow-up questions: they name the object and what it showed.</summary>
public static partial class Remedies
{
    /// <summary>The dependency's Service as the answers show it; null when it was not followed (the generic step stays).</summary>
    static IEnumerable<string>? ServiceAnswered(CrashFacts facts, Findings findings, string svc, string svcNs, string? port, string? error)
    {
        if (findings.First(FindingKinds.NotAService) is { } none && none.Get("service") == svc)
            return [$"{none.Get("host")} is no Service of the cluster: there is no Service {svc} in namespace {svcNs} (kubectl get svc -n {Shell.Quote(svcNs)} lists the real ones). If the dependency runs in the cluster, fix the host name; if it is outside, check its DNS name and that the cluster can reach it"];
        if (findings.OfKind(FindingKinds.ServiceEndpoints).FirstOrDefault(f => f.Get("service") == svc && f.Get("namespace") == svcNs) is not { } ep)
            return null;
        var steps = new List<string>();
        if (ep.Get("wrongPort") is { } wrong)
            steps.Add($"Service {svc} does not serve port {wrong} (its ports: {ep.Get("ports")}): point the app at one of them, or add the port to the Service");
        if (ep.Get("ready") == "0" && ep.Get("pod") is { } pod)
            steps.Add($"{svc} ({svcNs}) has 0 ready endpoints: {ep.Get("podStates")}. Fix {pod} first{(ep.Get("podCause") is { } cause ? $" (its own cause: {cause})" : "")}: "
                + (ep.Get("podStates")?.StartsWith($"{pod} is Pending", StringComparison.Ordinal) == true
                    // A pod that never started has no log: its events say why it is not scheduled or not started.
                    ? $"kubectl describe pod {Shell.Quote(pod)} -n {Shell.Quote(svcNs)} shows in its events why it is not scheduled or started (resources, node selector, taints, an unbound PersistentVolumeClaim)"
                    : $"kubectl describe pod {Shell.Quote(pod)} -n {Shell.Quote(svcNs)}; kubectl logs {Shell.Quote(pod)} -n {Shell.Quote(svcNs)} --previous")
                + $". This pod recovers once {svc} has a ready endpoint");
        else if (ep.Get("ready") == "0")
            steps.Add($"{svc} ({svcNs}) has 0 ready endpoints{(ep.Get("selector") is { Length: > 0 } sel ? $" (selector {sel})" : "")}: kubectl get pods -n {Shell.Quote(svcNs)} -l {Shell.Quote(ep.Get("selector") ?? "")} shows why the pods behind it are not ready; this pod recovers once one is");
        else if (ep.Get("ready") is { } ready)
            steps.Add(error == "timed out"
                ? $"Service {svc} has {ready} ready endpoint(s), yet the connection timed out: a NetworkPolicy or firewall between namespace {facts.Namespace} and {svcNs} is the likely cause"
                : $"Service {svc} has {ready} ready endpoint(s), so its pods are up: {error ?? "the failure"} points at the port{(port is null ? "" : $" ({port})")} or at the dependency listening on localhost only");
        return steps.Count == 0 ? null : steps;
    }

    /// <summary>Config sources that were read: a missing ConfigMap or key (names only), a write after the pod started.</summary>
    static IEnumerable<string> ConfigAnswered(CrashFacts facts, Findings findings)
    {
        foreach (var cm in findings.OfKind(FindingKinds.ConfigSource))
        {
            var name = cm.Get("name")!;
            if (cm.Get("exists") == "false")
                yield return $"ConfigMap {name} does not exist in namespace {facts.Namespace} ({cm.Get("uses")} refer to it): create it, or fix the name the pod refers to";
            else if (cm.Get("missing") is { } missing)
                yield return $"ConfigMap {name} has no key {missing.Replace(",", ", ", StringComparison.Ordinal)} (it has: {(cm.Get("keys") is { Length: > 0 } k ? k.Replace(",", ", ", StringComparison.Ordinal) : "no keys")}): add the key, or fix the key name in {cm.Get("missingUse")}";
            if (cm.Get("changedAt") is { } changed)
                yield return $"ConfigMap {name} was written at {changed}, after the pod started{(cm.Get("changedKeys") is { } keys ? $" ({keys.Replace(",", ", ", StringComparison.Ordinal)})" : "")}: every restart reads it again, so if the crashes began then, that write is the likely trigger; compare it with the last good version";
        }
    }

    /// <summary>Template changes, mutable tags and the node's platform, as the answers show them.</summary>
    static IEnumerable<string> ChangesAnswered(string cause, CrashFacts facts, Findings findings)
    {
        if (findings.First(FindingKinds.RevisionChange) is { } rev)
            yield return $"{rev.Get("kind")} {rev.Get("name")} revision {rev.Get("revision")} changed ({Text.Clip(rev.Get("changes") ?? "", 240)}); if the crashes started with it, roll back: kubectl rollout undo {rev.Get("kind")!.ToLowerInvariant()}/{rev.Get("name")} -n {Shell.Quote(facts.Namespace)}{(rev.Get("previousRevision") is { Length: > 0 } p ? $" --to-revision={p}" : "")}"
                + (rev.Get("revisionName") is { Length: > 0 } now
                    ? $" (compare kubectl get controllerrevision {Shell.Quote(now)}{(rev.Get("previousRevisionName") is { Length: > 0 } was ? $" {Shell.Quote(was)}" : "")} -n {Shell.Quote(facts.Namespace)} -o yaml)"
                    : "");
        else if (RecentChange(facts) is { } change)
            yield return change; // the causes whose own steps leave it out (an OOM kill after an upgrade, an image for another architecture)
        if (findings.First(FindingKinds.MutableTag) is { } tag)
            yield return $"Image {tag.Get("image")} is a mutable tag that was pulled again: what runs may have changed with no change to the pod. Pin a version tag or a digest{(tag.Get("imageID") is { } id && id.Contains("sha256:", StringComparison.Ordinal) ? $" (the running one is {id[id.IndexOf("sha256:", StringComparison.Ordinal)..]})" : "")}";
        if (findings.First(FindingKinds.NodePlatform) is { } node && node.Get("arch") is { } arch
            && (cause == Causes.WrongArchitecture || findings.Has(FindingKinds.InstructionSet)))
            yield return $"Node {node.Get("node")} is {arch}/{node.Get("os") ?? "linux"}{(node.Get("instanceType") is { } t ? $" ({t})" : "")}: build the image for linux/{arch} (docker buildx build --platform linux/amd64,linux/arm64), or keep the pod on nodes it was built for with nodeSelector kubernetes.io/arch";
    }
}
