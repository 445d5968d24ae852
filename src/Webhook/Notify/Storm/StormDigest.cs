using Webhook.Notify.Content;

namespace Webhook.Notify.Storm;

/// <summary>One pod of a storm: its message content (already redacted), the inbox item's idempotency key and the alert's fingerprint.</summary>
public sealed record StormEntry(string IdempotencyKey, MessageContent Content, string? Fingerprint = null)
{
    public static StormEntry From(Notification n, ContentBuilder content) => new(n.IdempotencyKey, content.Build(n), n.Alert.Fingerprint);
}

/// <summary>The pods of one storm, grouped by cause and workload, largest group first.</summary>
public sealed record StormDigest(bool Resolved, IReadOnlyList<StormGroup> Groups, IReadOnlyList<StormEntry> Entries)
{
    public int PodCount => Entries.Count;

    public static StormDigest From(IReadOnlyList<StormEntry> entries)
    {
        var groups = entries
            .GroupBy(e => (e.Content.Cause, e.Content.Workload))
            .Select(g => new StormGroup(g.Key.Cause, g.Key.Workload, g.Count(), g.First().Content.Summary))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Workload, StringComparer.Ordinal).ToList();
        return new StormDigest(entries.Count > 0 && entries[0].Content.Resolved, groups, entries);
    }

    public static StormDigest From(IEnumerable<Notification> notifications, ContentBuilder content) =>
        From(notifications.Select(n => StormEntry.From(n, content)).ToList());

    /// <summary>"38 pods crash looping" / "38 pods recovered".</summary>
    public string Headline => $"{PodCount} pod{(PodCount == 1 ? "" : "s")} {(Resolved ? "recovered" : "crash looping")}";

    /// <summary>"30 × config-error in deployment shop/api (summary)"; raw text: each renderer escapes it.</summary>
    public IEnumerable<string> Lines => Groups.Select(g => Resolved
        ? $"{g.Count} × {g.Workload}"
        : $"{g.Count} × {g.Cause} in {g.Workload} ({TextFit.Fit(g.Summary, 160)})");
}

public sealed record StormGroup(string Cause, string Workload, int Count, string Summary);
