namespace Webhook.Notify.Content;

/// <summary>
/// Cuts a log to a character budget so that the evidence lines (with a line of context) and the last lines
/// survive: the crash is usually in the last 5-10 lines, and the evidence line is why we said what we said.
/// </summary>
public static class LogExcerpt
{
    public const string Gap = "…";
    /// <summary>Put before the lines the diagnosis quotes, so the eye finds the decisive line in the excerpt.</summary>
    public const string Marker = "▶ ";
    private const int MaxLineChars = 400;

    public static string Cut(string log, IEnumerable<string> evidence, int maxChars, int tailLines = 12)
    {
        var lines = log.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        var needles = evidence.Select(e => e.Trim()).Where(e => e.Length >= 4).ToList();
        var evidenceAt = new List<int>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length > 0 && needles.Any(n => line.Contains(n, StringComparison.Ordinal) || n.Contains(line, StringComparison.Ordinal)))
                evidenceAt.Add(i);
        }

        // Shrink what we keep step by step until it fits: context, then tail, then extra evidence lines.
        foreach (var (tail, context, maxEvidence) in Plans(tailLines))
        {
            var keep = new SortedSet<int>();
            for (var i = Math.Max(0, lines.Length - tail); i < lines.Length; i++) keep.Add(i);
            foreach (var at in evidenceAt.TakeLast(maxEvidence))
                for (var i = Math.Max(0, at - context); i <= Math.Min(lines.Length - 1, at + context); i++) keep.Add(i);
            var text = Render(lines, keep, evidenceAt);
            if (text.Length <= maxChars) return text;
        }
        var last = Render(lines, new SortedSet<int>(evidenceAt.TakeLast(1).Append(lines.Length - 1)), evidenceAt);
        if (last.Length <= maxChars) return last;
        var start = last.Length - Math.Max(0, maxChars - Gap.Length);
        if (start < last.Length && char.IsLowSurrogate(last[start])) start++;
        return Gap + last[start..];
    }

    /// <summary>The first <paramref name="n"/> UTF-16 units, never ending on half a surrogate pair.</summary>
    private static string Head(string s, int n) => char.IsHighSurrogate(s[n - 1]) ? s[..(n - 1)] : s[..n];

    private static IEnumerable<(int Tail, int Context, int MaxEvidence)> Plans(int tailLines)
    {
        yield return (tailLines, 1, 3);
        yield return (tailLines, 0, 3);
        for (var tail = tailLines / 2; tail >= 1; tail /= 2) yield return (tail, 0, 2);
        yield return (1, 0, 1);
    }

    private static string Render(string[] lines, SortedSet<int> keep, List<int> evidenceAt)
    {
        var output = new List<string>();
        var previous = -1;
        var decisive = evidenceAt.Count > 0 ? evidenceAt[^1] : -1;
        var foldedUntil = -1;
        foreach (var i in keep)
        {
            // A line already counted in the "(× N)" of the run it belongs to.
            if (i <= foldedUntil) { previous = i; continue; }
            if (i != previous + 1) output.Add($"{Gap} {i - previous - 1} line{(i - previous - 1 == 1 ? "" : "s")} cut {Gap}");
            // Identical lines in a row (a retry loop) read once, with their count.
            var repeats = 1;
            while (i + repeats < lines.Length && keep.Contains(i + repeats) && lines[i + repeats] == lines[i] && i + repeats != decisive) repeats++;
            foldedUntil = i + repeats - 1;
            var line = lines[i].Length > MaxLineChars ? Head(lines[i], MaxLineChars) + Gap : lines[i];
            output.Add((i == decisive ? Marker : "") + line + (repeats > 1 ? $"  (× {repeats})" : ""));
            previous = i;
        }
        return string.Join('\n', output);
    }
}
