using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// Recognises stack-trace frames of the common runtimes, line by line, keeping the little state that
/// Python tracebacks and Go goroutine dumps need. Frames are context, never the decisive line.
/// </summary>
public sealed partial class FrameDetector
{
    bool inPythonTraceback;
    bool inGoroutineDump;
    bool inRustBacktrace;
    bool inUsage;

    public bool IsFrame(string line)
    {
        if (line.Length == 0 || string.IsNullOrWhiteSpace(line))
        {
            inGoroutineDump = false;
            return false;
        }

        if (line.StartsWith("Traceback (most recent call last)", StringComparison.Ordinal))
        {
            inPythonTraceback = true;
            return false;
        }
        if (inPythonTraceback)
        {
            if (char.IsWhiteSpace(line[0])) return true;
            inPythonTraceback = false; // the exception line that ends the traceback
            return false;
        }

        if (GoroutineHeader().IsMatch(line) || line.StartsWith("runtime stack:", StringComparison.Ordinal))
        {
            inGoroutineDump = true;
            return true;
        }
        if (inGoroutineDump) return true;

        if (line.StartsWith("stack backtrace:", StringComparison.Ordinal))
        {
            inRustBacktrace = true;
            return true;
        }
        if (inRustBacktrace)
        {
            if (char.IsWhiteSpace(line[0])) return true;
            inRustBacktrace = false;
        }

        // Help text printed after a bad flag ("Usage of /manager:", "Flags:") is context, not news.
        if (UsageHeader().IsMatch(line))
        {
            inUsage = true;
            return true;
        }
        if (inUsage)
        {
            if (char.IsWhiteSpace(line[0]) || line.EndsWith(':')) return true;
            inUsage = false;
        }

        return Frame().IsMatch(line);
    }

    [GeneratedRegex(@"^(Usage|usage|USAGE)( of \S+)?:|^(Flags|Options|Global Flags|Available Commands):$")]
    private static partial Regex UsageHeader();

    // Java/.NET/Node "at ...", Ruby "from ...", Java "... 12 more", .NET inner-trace markers, Python caret lines.
    [GeneratedRegex(@"^\s+(at\s|from\s\S+:\d+|\.\.\.\s\d+\s(more|common frames omitted))|^\s*--- End of (inner exception )?stack trace|^\s*-{3}\s*End of stack trace|^\s+[~^]{2,}\s*$|^\s+\d+:\s+0x[0-9a-f]+|^\s+\S+\.(go|rs|rb|py|js|ts|cs|java|kt|scala):\d+|^[0-9a-f]{8,}-[0-9a-f]{8,} |^\S+\(\S*\+0x[0-9a-f]+\)\[0x[0-9a-f]+\]|^={5,} (Backtrace|Memory map): ={5,}")]
    private static partial Regex Frame();

    [GeneratedRegex(@"^goroutine \d+ \[")]
    private static partial Regex GoroutineHeader();
}
