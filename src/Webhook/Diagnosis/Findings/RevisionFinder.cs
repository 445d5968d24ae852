using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// What changed in a StatefulSet's or DaemonSet's template, from its ControllerRevisions (Deployments have their
/// ReplicaSet diff, see <see cref="ChangeFinder"/>): the pod's own revision against the one before it, with the
/// chart and app version labels, and whether a newer revision exists than the one the pod runs.
/// </summary>
public sealed class RevisionFinder : IFinder
{
    static readonly string[] VersionLabels = ["helm.sh/chart", "app.kubernetes.io/version"];

    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        var answers = Answers.Of(facts.Snapshot);
        var pod = facts.Snapshot.Pod;
        if (!answers.Any || PodWorkload.Controller(pod) is not ({ } kind, { } name) || kind is not ("StatefulSet" or "DaemonSet")) yield break;
        var hash = pod!.Metadata.Labels?.TryGetValue("controller-revision-hash", out var h) == true ? h : null;
        var revisions = answers.All("ControllerRevision", facts.Namespace)
            .Where(r => (r["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(o => Answers.Str(o?["kind"]) == kind && Answers.Str(o?["name"]) == name))
            .Select(r => (Name: Answers.Name(r)!, Revision: Answers.Long(r["revision"]) ?? 0, Object: r))
            .OrderBy(r => r.Revision).ToList();
        if (hash is null || revisions.FirstOrDefault(r => r.Name == hash || r.Name.EndsWith("-" + hash, StringComparison.Ordinal)) is not { Name: not null } current)
            yield break;
        var previous = revisions.LastOrDefault(r => r.Revision < current.Revision);
        var changes = new List<string>();
        if (previous.Name is not null)
        {
            changes.AddRange(TemplateChanges.Between(Template(previous.Object), Template(current.Object)));
            foreach (var label in VersionLabels)
            {
                var before = Answers.Str(previous.Object["data"]?["spec"]?["template"]?["metadata"]?["labels"]?[label]);
                var after = Answers.Str(current.Object["data"]?["spec"]?["template"]?["metadata"]?["labels"]?[label]);
                if (before != after) changes.Add($"{label} {before ?? "(none)"} → {after ?? "(none)"}");
            }
        }
        var newest = revisions[^1];
        if (newest.Revision > current.Revision)
            changes.Add($"a newer revision {newest.Revision} of the {kind} exists; this pod runs revision {current.Revision}");
        if (changes.Count == 0) yield break;
        var created = Answers.Str(current.Object["metadata"]?["creationTimestamp"]);
        var values = new Dictionary<string, string>
        {
            ["kind"] = kind, ["name"] = name, ["revision"] = current.Revision.ToString(CultureInfo.InvariantCulture),
            ["previousRevision"] = previous.Name is null ? "" : previous.Revision.ToString(CultureInfo.InvariantCulture),
            ["changes"] = string.Join("; ", changes), ["createdAt"] = created ?? "",
            ["revisionName"] = current.Name, ["previousRevisionName"] = previous.Name ?? "",
        };
        yield return new Finding(FindingKinds.RevisionChange,
            $"{kind} {name} revision {current.Revision}{(created is null ? "" : $" ({created})")} changed: {string.Join("; ", changes.Take(4))}",
            $"objects/ControllerRevision.{facts.Namespace}.{current.Name}") { Values = values };
    }

    static V1PodTemplateSpec? Template(JsonObject revision) =>
        revision["data"]?["spec"]?["template"] is JsonObject t ? Webhook.Collect.KubernetesObjectJson.Deserialize<V1PodTemplateSpec>(t.ToJsonString()) : null;
}
