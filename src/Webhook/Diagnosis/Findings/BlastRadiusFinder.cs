using System.Globalization;
using System.Text.Json.Nodes;

namespace Webhook.Diagnosis;

/// <summary>
/// How bad it is, from the answers: the workload's desired and ready replicas, and whether the Services that send
/// traffic to this pod still have ready endpoints ("2 of 3 replicas not ready; service api still has 1 ready endpoint").
/// </summary>
public sealed class BlastRadiusFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        var answers = Answers.Of(facts.Snapshot);
        var pod = facts.Snapshot.Pod;
        if (!answers.Any || pod is null) yield break;
        var ns = facts.Namespace;
        var values = new Dictionary<string, string>();
        var parts = new List<string>();
        var sources = new List<string>();
        if (PodWorkload.Controller(pod) is ({ } kind, { } name) && answers.Get(kind, ns, name) is { } workload)
        {
            var (desired, ready, updated) = Replicas(kind, workload);
            values["workload"] = $"{kind.ToLowerInvariant()}/{name}";
            values["desired"] = N(desired);
            values["ready"] = N(ready);
            values["updated"] = N(updated);
            var down = Math.Max(0, desired - ready);
            values["notReady"] = N(down);
            parts.Add(desired == 0 ? $"{kind.ToLowerInvariant()}/{name} wants 0 replicas"
                : $"{down} of {desired} replica{(desired == 1 ? "" : "s")} of {kind.ToLowerInvariant()}/{name} not ready" + (updated < desired ? $" ({updated} updated to the latest template)" : ""));
            sources.Add($"objects/{kind}.{ns}.{name}");
        }
        foreach (var service in answers.All("Service", ns).Where(s => Answers.Selects(s["spec"]?["selector"], pod.Metadata?.Labels)))
        {
            var svc = Answers.Name(service)!;
            if (answers.Endpoints(ns, svc) is not { } endpoints) continue;
            values["service"] = svc;
            values["serviceReady"] = N(endpoints.Ready);
            parts.Add(endpoints.Ready == 0
                ? $"service {svc} has no ready endpoint left: it is down"
                : $"service {svc} still has {endpoints.Ready} ready endpoint{(endpoints.Ready == 1 ? "" : "s")}");
            sources.Add($"objects/EndpointSlice.{ns}");
            break;
        }
        if (parts.Count > 0)
            yield return new Finding(FindingKinds.BlastRadius, string.Join("; ", parts), string.Join(", ", sources)) { Values = values };
    }

    /// <summary>Desired, ready and updated replicas as the workload's status reports them.</summary>
    static (long Desired, long Ready, long Updated) Replicas(string kind, JsonObject w)
    {
        var spec = w["spec"];
        var status = w["status"];
        return kind == "DaemonSet"
            ? (Answers.Long(status?["desiredNumberScheduled"]) ?? 0, Answers.Long(status?["numberReady"]) ?? 0, Answers.Long(status?["updatedNumberScheduled"]) ?? 0)
            : (Answers.Long(spec?["replicas"]) ?? 1, Answers.Long(status?["readyReplicas"]) ?? 0, Answers.Long(status?["updatedReplicas"]) ?? 0);
    }

    static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
}
