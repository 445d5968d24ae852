namespace Webhook.Notify.Content;

/// <summary>Cuts text to a length measured after escaping, never inside a surrogate pair or an escape entity.</summary>
public static class TextFit
{
    public const string Ellipsis = "…";

    public static string Fit(string raw, int max, Func<string, string>? escape = null)
    {
        escape ??= s => s;
        var escaped = escape(raw);
        if (escaped.Length <= max) return escaped;
        var keep = Math.Min(raw.Length, max);
        while (keep > 0)
        {
            var cut = keep;
            if (char.IsHighSurrogate(raw[cut - 1])) cut--;
            var candidate = escape(raw[..cut].TrimEnd()) + Ellipsis;
            if (candidate.Length <= max) return candidate;
            keep -= Math.Max(1, candidate.Length - max);
        }
        return max >= Ellipsis.Length ? Ellipsis : "";
    }
}
