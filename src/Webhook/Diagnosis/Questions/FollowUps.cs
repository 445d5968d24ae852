using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// The follow-up reads an SRE would make after the pod, for the leading hypothesis and its findings, most useful
/// first: the Service a dependency error names and its EndpointSlices (then, when none is ready, the pods behind
/// it: one hop), the ConfigMaps the container reads, the workload with its status and the Services of the
/// namespace (blast radius), a StatefulSet's or DaemonSet's ControllerRevisions, and the node. Pure: it reads the
/// snapshot, including the answers already in it, so calling it again after answers asks the next hop.
/// Secrets are never asked for.
/// </summary>
public static class FollowUps
{
    /// <summary>ConfigMaps asked about at most, per alert.</summary>
    public const int MaxConfigMaps = 2;

    public static IReadOnlyList<Question> For(PodSnapshot snapshot, CrashDiagnosis diagnosis, ClassifierOptions? options = null) =>
        For(CrashFacts.From(snapshot with { Container = diagnosis.Container ?? snapshot.Container }, options ?? new ClassifierOptions()),
            diagnosis.Cause, new Findings(diagnosis.Findings));

    public static IReadOnlyList<Question> For(CrashFacts facts, string cause, Findings findings)
    {
        var pod = facts.Snapshot.Pod;
        if (pod is null) return [];
        var answers = Answers.Of(facts.Snapshot);
        var ns = facts.Namespace;
        var dependency = Dependency(findings, answers, ns).Concat(Configured(facts, cause, findings, answers)).ToList();
        var config = ConfigMaps(facts).ToList();
        var rest = new List<Question>();

        if (PodWorkload.Controller(pod) is ({ } kind, { } name) && KubernetesNames.IsDnsSubdomain(name))
        {
            rest.Add(Question.Get(kind, ns, name, $"replicas of {kind.ToLowerInvariant()}/{name} (blast radius)"));
            if (kind is "StatefulSet" or "DaemonSet" && answers.Get(kind, ns, name) is { } workload
                && Answers.Selector(workload["spec"]?["selector"]?["matchLabels"]) is { } selector)
                rest.Add(Question.List("ControllerRevision", ns, selector, $"template changes of {kind.ToLowerInvariant()}/{name}"));
        }
        rest.Add(Question.List("Service", ns, "", "Services that send traffic to this pod (blast radius)") with
        {
            KeepSelecting = pod.Metadata?.Labels is { Count: > 0 } labels ? new Dictionary<string, string>(labels) : new Dictionary<string, string>(),
            KeepClusterIp = findings.First(FindingKinds.Unreachable) is { } u && u.Get("scope") == "ip" ? u.Get("host") : null,
        });
        // The Service this pod serves: does it still have ready endpoints?
        var own = answers.All("Service", ns).FirstOrDefault(s => Answers.Selects(s["spec"]?["selector"], pod.Metadata?.Labels));
        if (own is not null && Answers.Name(own) is { } ownName && KubernetesNames.IsDnsLabel(ownName))
            rest.Add(Question.List("EndpointSlice", ns, $"kubernetes.io/service-name={ownName}", $"ready endpoints left for Service {ownName}"));
        if (cause is Causes.WrongArchitecture or Causes.NativeCrash or Causes.BadCommand && pod.Spec?.NodeName is { } node
            && KubernetesNames.IsDnsSubdomain(node))
            rest.Add(Question.Get("Node", null, node, "the node's architecture, OS, kernel and CPU features"));

        IEnumerable<Question> ordered = cause switch
        {
            Causes.DependencyUnavailable => [.. dependency, .. rest, .. config],
            Causes.ConfigError => [.. config, .. dependency, .. rest],
            _ => [.. dependency, .. rest, .. config],
        };
        return ordered.DistinctBy(q => q.Key).ToList();
    }

    /// <summary>A Service the log names: it, its EndpointSlices, and when none is ready, the pods of its selector.</summary>
    static IEnumerable<Question> Dependency(Findings findings, Answers answers, string podNamespace)
    {
        // An IP is looked up among the namespace's Services (asked for the blast radius): one round later.
        if (findings.First(FindingKinds.Unreachable) is not { } u || DependencyService.Of(u, answers, podNamespace) is not ({ } svc, { } svcNs)
            || !KubernetesNames.IsDnsLabel(svc) || !KubernetesNames.IsDnsLabel(svcNs))
            yield break;
        yield return Question.Get("Service", svcNs, svc, $"is {u.Get("host")} a Service of the cluster?");
        yield return Question.List("EndpointSlice", svcNs, $"kubernetes.io/service-name={svc}", $"ready endpoints of Service {svc}");
        if (answers.Get("Service", svcNs, svc) is { } service && Answers.Selector(service["spec"]?["selector"]) is { } selector
            && answers.Endpoints(svcNs, svc) is { Ready: 0 })
            yield return Question.List("Pod", svcNs, selector, $"why Service {svc} has no ready endpoint");
    }

    /// <summary>
    /// When the log names no host and the crash is the app's own error (or unexplained): the Services the container is
    /// configured to reach, the ones the log mentions first (at most <see cref="MaxConfiguredHosts"/>), one hop as above.
    /// </summary>
    static IEnumerable<Question> Configured(CrashFacts facts, string cause, Findings findings, Answers answers)
    {
        if (findings.Has(FindingKinds.Unreachable) || cause is not (Causes.ApplicationError or Causes.Unknown or Causes.DependencyUnavailable))
            yield break;
        var hosts = ConfiguredHosts.Of(facts);
        foreach (var h in hosts.Where(h => h.Mentioned).DefaultIfEmpty(hosts.FirstOrDefault()).OfType<ConfiguredHosts.Host>().Take(MaxConfiguredHosts))
        {
            yield return Question.Get("Service", h.Namespace, h.Service, $"is {h.Name} ({h.Where}) a Service with ready endpoints?");
            yield return Question.List("EndpointSlice", h.Namespace, $"kubernetes.io/service-name={h.Service}", $"ready endpoints of Service {h.Service}");
            if (answers.Get("Service", h.Namespace, h.Service) is { } service && Answers.Selector(service["spec"]?["selector"]) is { } selector
                && answers.Endpoints(h.Namespace, h.Service) is { Ready: 0 })
                yield return Question.List("Pod", h.Namespace, selector, $"why Service {h.Service} has no ready endpoint");
        }
    }

    /// <summary>Configured dependencies followed at most, per alert, when the log names none.</summary>
    public const int MaxConfiguredHosts = 2;

    static IEnumerable<Question> ConfigMaps(CrashFacts facts) =>
        ConfigSources.Of(facts.Spec, facts.Snapshot.Pod?.Spec)
            .Where(u => u.Kind == "ConfigMap" && KubernetesNames.IsDnsSubdomain(u.Name))
            .Select(u => u.Name).Distinct().Take(MaxConfigMaps)
            .Select(name => Question.Get("ConfigMap", facts.Namespace, name, $"does ConfigMap {name} exist, with which keys, changed when?"));
}
