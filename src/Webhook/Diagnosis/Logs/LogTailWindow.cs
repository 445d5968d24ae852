namespace Webhook.Diagnosis;

/// <summary>Cuts the last lines off a log without touching the rest, so a 10 MB log costs what a 64 KiB one does.</summary>
public static class LogTailWindow
{
    public static List<string> LastLines(string text, int maxChars, int maxLines)
    {
        var span = text.AsSpan();
        var cut = span.Length > maxChars;
        if (cut)
        {
            span = span[^maxChars..];
            // Drop the partial first line: it starts mid-way. A log without any line break keeps its tail as one line.
            var firstBreak = span.IndexOf('\n');
            if (firstBreak >= 0) span = span[(firstBreak + 1)..];
        }
        span = span.TrimEnd("\r\n");

        var lines = new List<string>(Math.Min(maxLines, 64));
        while (!span.IsEmpty && lines.Count < maxLines)
        {
            var lastBreak = span.LastIndexOf('\n');
            var line = span[(lastBreak + 1)..].TrimEnd('\r');
            lines.Add(line.ToString());
            span = lastBreak < 0 ? [] : span[..lastBreak];
        }
        lines.Reverse();
        return lines;
    }
}
