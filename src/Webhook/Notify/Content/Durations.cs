using System.Globalization;

namespace Webhook.Notify.Content;

public static class Durations
{
    /// <summary>"2h 13m", "4m 05s", "28s": short enough for a header.</summary>
    public static string Short(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalDays >= 1) return string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d {span.Hours}h");
        if (span.TotalHours >= 1) return string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h {span.Minutes}m");
        if (span.TotalMinutes >= 1) return string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m {span.Seconds:00}s");
        return string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds}s");
    }
}
