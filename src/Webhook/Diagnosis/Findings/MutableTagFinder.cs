using System.Globalization;

namespace Webhook.Diagnosis;

/// <summary>
/// An image on a mutable tag (":latest" or no tag, no digest) that the kubelet pulled again (a "Successfully
/// pulled" event, not "already present"): what runs may have changed without any change to the pod spec.
/// </summary>
public sealed class MutableTagFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (facts.Spec?.Image is not { } image || !IsMutable(image)) yield break;
        var pulls = facts.Events.Where(e => e.Reason == "Pulled" && (e.Message ?? "").Contains("Successfully pulled", StringComparison.OrdinalIgnoreCase)).ToList();
        if (pulls.Count == 0) yield break;
        var last = pulls.Select(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp).Max();
        var count = pulls.Sum(e => Math.Max(1, e.Count ?? 1));
        var values = new Dictionary<string, string> { ["image"] = image, ["pulls"] = count.ToString(CultureInfo.InvariantCulture) };
        if (facts.Status?.ImageID is { Length: > 0 } id) values["imageID"] = id;
        var when = "";
        if (last is { } at)
        {
            values["pulledAt"] = at.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            if (facts.Terminated?.StartedAt is { } started && started >= at && started - at < TimeSpan.FromHours(1))
                when = $", {(int)(started - at).TotalMinutes} min before the instance that crashed started";
            else when = $", last at {values["pulledAt"]}";
        }
        var tag = image.Contains(':', StringComparison.Ordinal) && image.LastIndexOf(':') > image.LastIndexOf('/') ? "the tag :latest" : "no tag (so :latest)";
        yield return new Finding(FindingKinds.MutableTag,
            $"image {image} uses {tag}, a mutable tag, and was pulled again ({count} pull{(count == 1 ? "" : "s")}{when})"
            + (values.TryGetValue("imageID", out var digest) ? $"; running {digest}" : ""), "event") { Values = values };
    }

    /// <summary>No digest, and the tag is "latest" or absent (a colon after the last slash is a tag; before it, a registry port).</summary>
    public static bool IsMutable(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal)) return false;
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon <= slash || image[(colon + 1)..] == "latest";
    }
}
