using System.Text.Json.Nodes;
using k8s.Models;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// Follows an unreachable Service one hop: does it exist, how many ready endpoints it has, does it serve the port,
/// and when none is ready, what the pods behind it are doing, with their own cause from the same engine
/// ("postgres (shop) has 0 ready endpoints: postgres-0 is CrashLoopBackOff, OOM killed at 256Mi").
/// A name the API says is no Service is named as outside the cluster (or a wrong name).
/// </summary>
public sealed class EndpointsFinder : IFinder
{
    const int MaxPodsNamed = 3;

    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        var answers = Answers.Of(facts.Snapshot);
        if (!answers.Any) yield break;
        foreach (var u in Findings(facts, match).Where(f => f.Kind == FindingKinds.Unreachable).Take(1))
        {
            if (DependencyService.Of(u, answers, facts.Namespace) is not ({ } svc, { } ns)) continue;
            if (answers.IsNotFound("Service", ns, svc))
            {
                yield return new Finding(FindingKinds.NotAService,
                    $"{u.Get("host")} is no Service of the cluster (no Service {svc} in namespace {ns}): an external name, or a wrong one", $"objects/Service.{ns}.{svc}")
                { Values = new Dictionary<string, string> { ["host"] = u.Get("host")!, ["service"] = svc, ["namespace"] = ns } };
                continue;
            }
            if (answers.Get("Service", ns, svc) is not { } service) continue;
            var values = new Dictionary<string, string> { ["service"] = svc, ["namespace"] = ns };
            var ports = (service["spec"]?["ports"] as JsonArray ?? []).Select(p => Answers.Long(p?["port"])).OfType<long>().ToList();
            values["ports"] = string.Join(",", ports);
            var portNote = "";
            if (u.Get("port") is { } port && ports.Count > 0 && !ports.Any(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture) == port))
            {
                values["wrongPort"] = port;
                portNote = $"; it does not serve port {port} (its ports: {string.Join(", ", ports)})";
            }
            if (Answers.Selector(service["spec"]?["selector"]) is not { } selector)
            {
                values["selector"] = "";
                yield return new Finding(FindingKinds.ServiceEndpoints, $"Service {svc} ({ns}) has no selector: its endpoints are managed by hand{portNote}", $"objects/Service.{ns}.{svc}") { Values = values };
                continue;
            }
            values["selector"] = selector;
            if (answers.Endpoints(ns, svc) is not { } endpoints)
            {
                if (portNote.Length > 0)
                    yield return new Finding(FindingKinds.ServiceEndpoints, $"Service {svc} ({ns}) exists{portNote}", $"objects/Service.{ns}.{svc}") { Values = values };
                continue;
            }
            values["ready"] = endpoints.Ready.ToString(System.Globalization.CultureInfo.InvariantCulture);
            values["notReady"] = endpoints.NotReady.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (endpoints.Ready > 0)
            {
                yield return new Finding(FindingKinds.ServiceEndpoints,
                    $"Service {svc} ({ns}) has {endpoints.Ready} ready endpoint{(endpoints.Ready == 1 ? "" : "s")}{portNote}", $"objects/EndpointSlice.{ns}") { Values = values };
                continue;
            }
            var backing = answers.All("Pod", ns).Where(p => Answers.Selects(service["spec"]?["selector"], Labels(p)))
                .Select(answers.As<V1Pod>).OfType<V1Pod>()
                .Where(p => p.Metadata?.Name != facts.PodName).ToList();
            var states = backing.Take(MaxPodsNamed).Select(p => (Pod: p.Metadata.Name, State: PodState.Describe(p, facts.Options))).ToList();
            if (states.Count > 0)
            {
                values["pods"] = string.Join(",", states.Select(s => s.Pod));
                values["podStates"] = string.Join("; ", states.Select(s => $"{s.Pod} is {s.State.Text}"));
                if (states[0].State.Cause is { } cause) values["podCause"] = cause;
                values["pod"] = states[0].Pod;
            }
            if (states.Count == 0 && endpoints.NotReadyPods.Count > 0)
            {
                // The pods were not read (forbidden, budget): the slice still names them.
                values["pods"] = string.Join(",", endpoints.NotReadyPods.Take(MaxPodsNamed));
                values["podStates"] = string.Join("; ", endpoints.NotReadyPods.Take(MaxPodsNamed).Select(p => $"{p} is not ready"));
                values["pod"] = endpoints.NotReadyPods[0];
            }
            var why = values.TryGetValue("podStates", out var podStates)
                ? ": " + podStates + (Math.Max(backing.Count, endpoints.NotReadyPods.Count) > MaxPodsNamed ? $" (and {Math.Max(backing.Count, endpoints.NotReadyPods.Count) - MaxPodsNamed} more)" : "")
                : answers.All("Pod", ns).Any() || endpoints.NotReady > 0 ? "" : $": no pod matches its selector {selector}";
            yield return new Finding(FindingKinds.ServiceEndpoints, $"{svc} ({ns}) has 0 ready endpoints{why}{portNote}", $"objects/EndpointSlice.{ns}") { Values = values };
        }
    }

    /// <summary>The unreachable finding, read again here (finders do not see each other's findings).</summary>
    static IEnumerable<Finding> Findings(CrashFacts facts, RuleMatch match) => new DependencyFinder().Find(facts, match);

    static Dictionary<string, string>? Labels(JsonObject pod) =>
        (pod["metadata"]?["labels"] as JsonObject)?.ToDictionary(p => p.Key, p => Answers.Str(p.Value) ?? "");
}
