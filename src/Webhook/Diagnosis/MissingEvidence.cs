using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>Names the evidence a diagnosis had to do without.</summary>
public static class MissingEvidence
{
    public static IReadOnlyList<string> For(CrashFacts facts)
    {
        var missing = new List<string>();
        var snapshot = facts.Snapshot;
        if (snapshot.Pod is null) missing.Add("pod object (pod gone or not readable)");
        else if (facts.Status is null) missing.Add($"container status for {facts.ContainerName}");
        else if (facts.Terminated is null && facts.Waiting is null) missing.Add("terminated state of the last instance");

        if (facts.Log.IsEmpty)
            missing.Add(facts.ExitCode is { } code and not 0 ? $"log output (exit {code} with an empty log)" : "previous log");
        else if (facts.Log.Source != LogSource.Previous)
            missing.Add($"previous log (used the {facts.Log.SourceLabel})");
        if (snapshot.Events.Count == 0) missing.Add("events");
        missing.AddRange(snapshot.Gaps);
        return missing;
    }
}
