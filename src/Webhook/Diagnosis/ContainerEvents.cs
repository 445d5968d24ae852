using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>Picks the events about one container, and the events of one instance's lifetime.</summary>
public static class ContainerEvents
{
    /// <summary>Events whose fieldPath names this container, or that name no container at all.</summary>
    public static IReadOnlyList<Corev1Event> For(IReadOnlyList<Corev1Event> events, string? container)
    {
        if (container is null) return events;
        return events.Where(e =>
        {
            var path = e.InvolvedObject?.FieldPath;
            if (!string.IsNullOrEmpty(path))
                return path.Contains($"{{{container}}}", StringComparison.Ordinal);
            // No fieldPath: keep it unless its message names another container.
            var message = e.Message ?? "";
            return !message.Contains("Container ", StringComparison.Ordinal) || message.Contains($"Container {container} ", StringComparison.Ordinal)
                || message.Contains($"container {container} ", StringComparison.Ordinal) || message.Contains($"\"{container}\"", StringComparison.Ordinal);
        }).ToList();
    }

    /// <summary>
    /// Events that overlap the instance's lifetime (with some slack). Events are aggregated (count,
    /// firstTimestamp..lastTimestamp), so overlap, not containment, is the test. Unknown times match.
    /// </summary>
    public static bool During(Corev1Event e, DateTime? startedAt, DateTime? finishedAt, int slackSeconds)
    {
        var first = e.FirstTimestamp ?? e.EventTime ?? e.LastTimestamp;
        var last = e.Series?.LastObservedTime ?? e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp;
        if (first is null || last is null || startedAt is null || finishedAt is null)
            return true;
        var slack = TimeSpan.FromSeconds(slackSeconds);
        return first.Value <= finishedAt.Value + slack && last.Value >= startedAt.Value - slack;
    }

    public static string Describe(Corev1Event e) =>
        $"{e.Type ?? "Normal"} {e.Reason}: {e.Message?.Trim()}" + (e.Count is > 1 ? $" (x{e.Count})" : "");
}
