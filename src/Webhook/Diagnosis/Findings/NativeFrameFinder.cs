using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// Where a native crash happened, as the runtime's crash report says: Python's faulthandler (the innermost
/// "File ..." line), glibc's backtrace (the first library that is not libc itself), Ruby's "[BUG]" line.
/// The library it names is what to upgrade, pin or rebuild against the base image.
/// </summary>
public sealed partial class NativeFrameFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause != Causes.NativeCrash)
            yield break;
        var lines = facts.Log.Lines.Select(l => l.Text).ToList();
        string? frame = null;
        for (var i = 0; i < lines.Count && frame is null; i++)
        {
            if (lines[i].StartsWith("Current thread", StringComparison.Ordinal) || lines[i].StartsWith("Thread 0x", StringComparison.Ordinal))
                frame = lines.Skip(i + 1).Select(l => PythonFrame().Match(l)).FirstOrDefault(m => m.Success)?.Value.Trim();
            else if (RubyBug().Match(lines[i]) is { Success: true } bug)
                frame = bug.Groups["f"].Value;
            else if (GlibcFrame().Match(lines[i]) is { Success: true } lib && !SystemLibrary().IsMatch(lib.Groups["lib"].Value))
                frame = lib.Groups["lib"].Value;
        }
        if (frame is null)
            yield break;
        yield return new Finding(FindingKinds.CrashFrame, $"it crashed in {frame}", "log")
        {
            Values = new Dictionary<string, string> { ["frame"] = frame, ["library"] = Library(frame) },
        };
    }

    /// <summary>"/usr/lib/python3/site-packages/dateparser/date.py" → "dateparser"; a .so path → its file name.</summary>
    static string Library(string frame)
    {
        var m = Package().Match(frame);
        if (m.Success) return m.Groups["p"].Value;
        var path = frame.Split('"', '(', ':')[0].Trim();
        return path.Length > 0 ? path[(path.LastIndexOf('/') + 1)..] : frame;
    }

    [GeneratedRegex(@"File ""[^""]+"", line \d+ in \S+")]
    private static partial Regex PythonFrame();

    [GeneratedRegex(@"^(?<f>\S+:\d+): \[BUG\]")]
    private static partial Regex RubyBug();

    [GeneratedRegex(@"^(?<lib>/\S+\.so[\w.-]*)\(")]
    private static partial Regex GlibcFrame();

    [GeneratedRegex(@"/(libc|libpthread|ld-linux|libdl|libm|libstdc\+\+|libgcc_s|libpython)[\w.-]*\.so|/python\d")]
    private static partial Regex SystemLibrary();

    [GeneratedRegex(@"(site|dist)-packages/(?<p>[\w.-]+)|/gems/(?<p>[\w.-]+?)-\d|node_modules/(?<p>[@\w./-]+?)/")]
    private static partial Regex Package();
}
