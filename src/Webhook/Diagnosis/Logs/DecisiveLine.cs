using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// The line to quote: the one that names the fault, which is not always the line that scored. A Python
/// traceback's header names nothing (its last exception line does); a header ending in ':' ("1 error(s)
/// decoding:", Rust's "panicked at src/main.rs:14:5:") carries its detail on the lines below; a Java or .NET
/// exception is explained by the last link of its "Caused by:" / " ---> " chain.
/// </summary>
public static partial class DecisiveLine
{
    const int MaxDetailLines = 3;

    public static string Resolve(LogView log, LogLine line, string cause)
    {
        var lines = log.Lines;
        var text = line.Text.Trim();
        if (text.StartsWith("Traceback (most recent call last)", StringComparison.Ordinal))
            return TracebackException(lines, line.Index) ?? text;
        if (text.EndsWith(':'))
            return WithDetail(lines, line.Index, text);
        if (ChainRoot(lines, line.Index) is { } root
            && (LogAnalyzer.BestPattern(root) is null || LogAnalyzer.BestPattern(root)!.Cause == cause || cause == Causes.ApplicationError))
            return root;
        return text;
    }

    /// <summary>How often the exact line occurs in the log: a line repeated eight times reads "× 8".</summary>
    public static int Occurrences(LogView log, string text)
    {
        var count = 0;
        foreach (var l in log.Lines)
            if (l.Text.Trim() == text) count++;
        return count;
    }

    /// <summary>The exception line that ends the traceback starting at <paramref name="header"/> (the last of a chain).</summary>
    static string? TracebackException(IReadOnlyList<LogLine> lines, int header)
    {
        string? found = null;
        for (var i = header + 1; i < lines.Count; i++)
        {
            var t = lines[i].Text.Trim();
            if (lines[i].IsFrame || t.Length == 0) continue;
            if (t.StartsWith("During handling of the above exception", StringComparison.Ordinal)
                || t.StartsWith("The above exception was the direct cause", StringComparison.Ordinal)
                || t.StartsWith("Traceback (most recent call last)", StringComparison.Ordinal))
                continue;
            if (PythonException().IsMatch(t)) { found = t; continue; }
            break;
        }
        return found;
    }

    static string WithDetail(IReadOnlyList<LogLine> lines, int index, string text)
    {
        var detail = new List<string>();
        for (var i = index + 1; i < lines.Count && detail.Count < MaxDetailLines; i++)
        {
            var t = lines[i].Text.Trim();
            if (lines[i].IsFrame || t.Length == 0) break;
            detail.Add(t);
            if (!t.StartsWith('*') && !t.StartsWith('-')) break; // one sentence, or a short bullet list
        }
        return detail.Count == 0 ? text : $"{text} {string.Join(' ', detail)}";
    }

    /// <summary>The last "Caused by:" / " ---> " / "[cause]:" link of the trace that starts at <paramref name="index"/>.</summary>
    static string? ChainRoot(IReadOnlyList<LogLine> lines, int index)
    {
        string? root = null;
        for (var i = index + 1; i < lines.Count; i++)
        {
            if (lines[i].IsFrame) continue;
            var t = lines[i].Text.Trim();
            if (t.Length == 0) continue;
            if (ChainLink().IsMatch(t)) { root = t; continue; }
            break;
        }
        return root;
    }

    [GeneratedRegex(@"^([\w.]+\.)?[A-Z]\w*(Error|Exception|Exit|Interrupt|Warning|NotReady|NotFound|Failure|Fault)?(:\s|$)")]
    private static partial Regex PythonException();

    [GeneratedRegex(@"^(Caused by: |---> |\[cause\]: )")]
    private static partial Regex ChainLink();
}
