using Webhook.Notify.Content;

namespace Webhook.Notify.Storm;

/// <summary>The pods of one storm, grouped by cause and workload, largest group first.</summary>
public sealed record StormDigest(bool Resolved, IReadOnlyList<StormGroup> Groups, IReadOnlyList<Notification> Notifications)
{
    public int PodCount => Notifications.Count;

    public static StormDigest From(IReadOnlyList<Notification> notifications, ContentBuilder content)
    {
        var groups = notifications
            .GroupBy(n => (n.Diagnosis.Cause, Workload: ContentBuilder.Workload(n)))
            .Select(g => new StormGroup(g.Key.Cause, content.Build(g.First()).Workload, g.Count(), content.Build(g.First()).Summary))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Workload, StringComparer.Ordinal).ToList();
        return new StormDigest(notifications.Count > 0 && notifications[0].Alert.IsResolved, groups, notifications);
    }

    /// <summary>"38 pods crash looping" / "38 pods recovered".</summary>
    public string Headline => $"{PodCount} pod{(PodCount == 1 ? "" : "s")} {(Resolved ? "recovered" : "crash looping")}";

    /// <summary>"30 × config-error in deployment shop/api (summary)"; raw text: each renderer escapes it.</summary>
    public IEnumerable<string> Lines => Groups.Select(g => Resolved
        ? $"{g.Count} × {g.Workload}"
        : $"{g.Count} × {g.Cause} in {g.Workload} ({TextFit.Fit(g.Summary, 160)})");
}

public sealed record StormGroup(string Cause, string Workload, int Count, string Summary);
