namespace Webhook.Diagnosis;

/// <summary>Turns the raw tail of a log into <see cref="LogLine"/>s: bounded, ANSI-free, JSON flattened, frames marked.</summary>
public static class LogNormalizer
{
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
            result.Add(new LogLine(i, flat[i], frames.IsFrame(flat[i])));
        return result;
    }
}
