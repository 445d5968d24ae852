namespace Webhook.Diagnosis;

/// <summary>What changed in the workload's template lately: often the trigger of a new crash loop.</summary>
public sealed class ChangeFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (facts.Snapshot.Workload is not { Changes.Count: > 0 } w)
            yield break;
        yield return new Finding(FindingKinds.RecentChange,
            $"{w.Kind} {w.Name}{(w.Revision is null ? "" : $" revision {w.Revision}")} changed: {string.Join("; ", w.Changes.Take(3))}", "workload")
        {
            Values = new Dictionary<string, string>
            {
                ["kind"] = w.Kind, ["name"] = w.Name, ["revision"] = w.Revision ?? "", ["previousRevision"] = w.PreviousRevision ?? "",
                ["changes"] = string.Join("; ", w.Changes),
            },
        };
    }
}
