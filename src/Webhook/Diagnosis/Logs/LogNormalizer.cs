namespace Webhook.Diagnosis;

/// <summary>Turns the raw tail of a log into <see cref="LogLine"/>s: bounded, ANSI-free, JSON flattened, frames marked.</summary>
public static class LogNormalizer
{
    public const int MaxLineChars = 4096;

    public static IReadOnlyList<LogLine> Normalize(string text, ClassifierOptions options)
    {
        var raw = LogTailWindow.LastLines(text, options.MaxLogChars, options.MaxLogLines);
        var flat = new List<string>(raw.Count);
        foreach (var line in raw)
        {
            var clean = LinePrefix.Strip(AnsiStripper.Strip(line));
            if (!JsonLogLine.TryFlatten(clean, flat))
                flat.Add(clean);
        }

        var frames = new FrameDetector();
        var result = new List<LogLine>(flat.Count);
        for (var i = 0; i < flat.Count; i++)
        {
            // Patterns scan whole lines: a cap keeps a minified megabyte line from costing quadratic time.
            // Head and tail survive: a message starts a line, and a line without breaks ends with the crash.
            var line = flat[i].Length > MaxLineChars
                ? string.Concat(flat[i].AsSpan(0, MaxLineChars / 2 - 1), " … ", flat[i].AsSpan(flat[i].Length - MaxLineChars / 2 + 2))
                : flat[i];
            result.Add(new LogLine(i, line, frames.IsFrame(line)));
        }
        return result;
    }
}
