using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// What an application crash points at: a module or class the image lacks, the crashing frame of the app's own
/// code, the object an operator was reconciling (its structured log keys), and the component version (image tag).
/// </summary>
public sealed partial class ApplicationFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        var detail = match.Detail ?? "";
        if (Module().Match(detail) is { Success: true } module)
        {
            var name = module.Groups["m"].Value;
            yield return new Finding(FindingKinds.ModuleMissing, $"the image has no module {name}", "log")
            {
                Values = new Dictionary<string, string> { ["module"] = name, ["image"] = facts.Spec?.Image ?? "" },
            };
        }
        if (match.Cause != Causes.ApplicationError)
            yield break;
        if (Inotify().Match(string.Join('\n', facts.Log.Lines.TakeLast(60).Select(l => l.Text))) is { Success: true } inotify)
        {
            var runtime = detail.Contains("System.", StringComparison.Ordinal) || facts.Log.Lines.Any(l => l.Text.Contains("Microsoft.Extensions", StringComparison.Ordinal)) ? "dotnet"
                : facts.Log.Lines.Any(l => l.Text.Contains("node:internal", StringComparison.Ordinal) || l.Text.Contains("chokidar", StringComparison.Ordinal)) ? "node" : "";
            yield return new Finding(FindingKinds.InotifyLimit, $"the inotify {(inotify.Value.Contains("watch", StringComparison.OrdinalIgnoreCase) ? "watches" : "instances")} limit is reached", "log")
            {
                Values = new Dictionary<string, string>
                {
                    ["what"] = inotify.Value.Contains("watch", StringComparison.OrdinalIgnoreCase) ? "watches" : "instances",
                    ["node"] = facts.Snapshot.Pod?.Spec?.NodeName ?? "", ["runtime"] = runtime,
                },
            };
        }
        if (CrashFrame(facts, detail) is { } frame)
            yield return new Finding(FindingKinds.CrashFrame, $"raised at {frame}", "log") { Values = new Dictionary<string, string> { ["frame"] = frame } };
        if (Reconciled(facts.Snapshot.PreviousLog?.Text) is { } obj)
            yield return obj;
    }

    /// <summary>The first frame below the decisive line that is the app's own code, not the runtime's or a library's.</summary>
    static string? CrashFrame(CrashFacts facts, string detail)
    {
        var lines = facts.Log.Lines;
        var start = -1;
        for (var i = lines.Count - 1; i >= 0; i--)
            if (!lines[i].IsFrame && detail.StartsWith(lines[i].Text.Trim(), StringComparison.Ordinal) && lines[i].Text.Trim().Length > 0) { start = i; break; }
        if (start < 0) return null;
        // Python prints frames above the exception line, innermost last; the others print them below, innermost first.
        var python = start > 0 && lines[start - 1].IsFrame && lines[start - 1].Text.TrimStart().StartsWith("File \"", StringComparison.Ordinal)
            || start > 1 && lines[start - 2].Text.TrimStart().StartsWith("File \"", StringComparison.Ordinal);
        var candidates = new List<string>();
        if (python)
            for (var i = start - 1; i >= 0 && lines[i].IsFrame; i--) { if (PythonFrame().Match(lines[i].Text) is { Success: true } m) candidates.Add(m.Value.Trim()); }
        else
            for (var i = start + 1; i < lines.Count && i <= start + 60; i++)
            {
                var t = lines[i].Text.Trim();
                // Go puts "[signal ...]" and a blank line between the panic and its goroutine dump.
                if (t.Length == 0 || t.StartsWith("[signal ", StringComparison.Ordinal) || t.StartsWith("goroutine ", StringComparison.Ordinal)) continue;
                if (!lines[i].IsFrame) break;
                // A Go frame is a function line and, below it, its file:line.
                if (i + 1 < lines.Count && GoFile().Match(lines[i + 1].Text) is { Success: true } file)
                {
                    candidates.Add($"{t} ({file.Groups[1].Value})");
                    i++;
                }
                else candidates.Add(t);
            }
        return candidates.FirstOrDefault(c => !LibraryFrame().IsMatch(c)) is { } own ? Text.Clip(own, 160) : null;
    }

    /// <summary>The object an operator was reconciling when it died: controller-runtime's structured keys, JSON or logfmt.</summary>
    static Finding? Reconciled(string? log)
    {
        if (string.IsNullOrEmpty(log)) return null;
        var tail = log.Length > 16_384 ? log[^16_384..] : log;
        Match? last = null;
        foreach (Match m in ReconcileKeys().Matches(tail)) last = m;
        if (last is null) return null;
        var controller = last.Groups["c"].Value;
        var ns = last.Groups["ns"].Success ? last.Groups["ns"].Value : "";
        var name = last.Groups["n"].Value;
        var obj = ns.Length > 0 ? $"{ns}/{name}" : name;
        return new Finding(FindingKinds.ReconciledObject, $"controller {controller} was reconciling {obj}", "log")
        {
            Values = new Dictionary<string, string> { ["controller"] = controller, ["namespace"] = ns, ["name"] = name },
        };
    }

    [GeneratedRegex(@"No module named '?(?<m>[\w.]+)'?|Cannot find module '(?<m>[^'./][^']*)'|cannot load such file -- (?<m>\S+)|ClassNotFoundException: (?<m>[\w.$]+)|NoClassDefFoundError: (?<m>[\w/$.]+)|Could not load file or assembly '(?<m>[^',]+)|ImportError: cannot import name '(?<m>\w+)'")]
    private static partial Regex Module();

    [GeneratedRegex(@"^\s+(\S+\.go:\d+)")]
    private static partial Regex GoFile();

    [GeneratedRegex(@"number of inotify (instances|watches)[^\n]*(reached|limit)|inotify[^\n]{0,40}(limit|instances)[^\n]{0,40}reached|System limit for number of file watchers reached", RegexOptions.IgnoreCase)]
    private static partial Regex Inotify();

    [GeneratedRegex(@"File ""[^""]+"", line \d+, in \S+")]
    private static partial Regex PythonFrame();

    [GeneratedRegex(@"site-packages|dist-packages|/usr/lib/python|lib/python\d|node:internal|node_modules|\bat (java|javax|jdk|sun|kotlin|scala|org\.springframework|System|Microsoft)\.|/usr/local/go/|runtime/|\bruntime\.|\bstd::|/rustc/|core::|alloc::|/gems/|<internal:|\(internal/")]
    private static partial Regex LibraryFrame();

    [GeneratedRegex(@"""controller""\s*:\s*""(?<c>[^""]+)"".{0,400}?(""namespace""\s*:\s*""(?<ns>[^""]*)"".{0,200}?)?""name""\s*:\s*""(?<n>[^""]+)""|controller=""?(?<c>[\w.-]+)""?.{0,300}?(namespace=""?(?<ns>[\w.-]*)""?.{0,100}?)?\bname=""?(?<n>[\w.-]+)")]
    private static partial Regex ReconcileKeys();
}
