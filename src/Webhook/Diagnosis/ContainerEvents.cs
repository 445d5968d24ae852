using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>Picks the events about one container, and the events of one instance's lifetime.</summary>
public static class ContainerEvents
{
    /// <summary>Events whose fieldPath names this container, or pod-level events that name no other container.</summary>
    public static IReadOnlyList<Corev1Event> For(IReadOnlyList<Corev1Event> events, string? container) =>
        container is null ? events : events.Where(e => IsAbout(e, container)).ToList();

    static bool IsAbout(Corev1Event e, string container)
    {
        var path = e.InvolvedObject?.FieldPath;
        if (!string.IsNullOrEmpty(path))
            return path.Contains($"{{{container}}}", StringComparison.Ordinal);
        var message = e.Message ?? "";
        var namesAContainer = message.Contains("ontainer ", StringComparison.Ordinal);
        return !namesAContainer
            || message.Contains($"ontainer {container} ", StringComparison.Ordinal)
            || message.Contains($"ontainer={container} ", StringComparison.Ordinal)
            || message.Contains($"\"{container}\"", StringComparison.Ordinal);
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
