using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// What a native crash says about itself: an instruction set the CPU lacks (SIGILL, "requires AVX"), a binary
/// linked against another C library (glibc symbols on musl/alpine or the reverse), the JVM's hs_err report.
/// </summary>
public sealed partial class NativeFinder : IFinder
{
    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        // Every match of InstructionSet (and of Feature) contains one of IsaWords, every match of Libc one of
        // LibcWords: a log without them (nearly every log) is not searched with those case-insensitive patterns
        // (LiteralPrecheck), whose scans were about 8% of a storm's CPU (tests/bench/STORM.md).
        var log = string.Join('\n', facts.Log.Lines.Select(l => l.Text)) + "\n" + (facts.Terminated?.Message ?? "");
        var node = facts.Snapshot.Node?.Name ?? facts.Snapshot.Pod?.Spec?.NodeName ?? "";
        // Exit 132 is SIGILL: an instruction the CPU does not have, even when the process died before it could log.
        var (mayBeIsa, mayBeLibc) = LiteralPrecheck.MayMatch(log, IsaWords, LibcWords);
        var isa = mayBeIsa ? InstructionSet().Match(log) : Match.Empty;
        if (isa.Success && match.Cause == Causes.NativeCrash || facts.ExitCode == 132)
        {
            var feature = isa.Success && isa.Groups["f"].Value.Length > 0 ? isa.Groups["f"].Value.ToUpperInvariant()
                : Feature().Match(log) is { Success: true } named ? named.Value.ToUpperInvariant() : "";
            yield return new Finding(FindingKinds.InstructionSet,
                feature.Length > 0 ? $"the binary needs the {feature} instruction set, which node {node} does not offer" : $"illegal instruction on node {node}: the binary assumes a CPU feature this node lacks", "log")
            {
                Values = new Dictionary<string, string> { ["feature"] = feature, ["node"] = node, ["line"] = isa.Success ? isa.Value.Trim() : "exit 132 (SIGILL)" },
            };
        }
        if (mayBeLibc && Libc().Match(log) is { Success: true } libc)
        {
            var image = facts.Spec?.Image ?? "";
            var musl = image.Contains("alpine", StringComparison.OrdinalIgnoreCase) || libc.Value.Contains("relocating", StringComparison.OrdinalIgnoreCase);
            yield return new Finding(FindingKinds.LibcMismatch,
                musl ? $"a glibc-linked binary on the musl (alpine) base of {image}: {libc.Value.Trim()}" : $"the binary needs another C library than the image has: {libc.Value.Trim()}", "log")
            {
                Values = new Dictionary<string, string> { ["line"] = libc.Value.Trim(), ["image"] = image, ["libc"] = musl ? "musl" : "glibc" },
            };
        }
        // Both of HsErr's alternatives contain "hs_err": without it (nearly every log) the pattern, whose leading \S*
        // has no literal to search for, would try a match at every position of the log (about half of a storm's
        // classification time).
        if (log.Contains("hs_err", StringComparison.Ordinal) && HsErr().Match(log) is { Success: true } hs)
        {
            var frame = ProblematicFrame().Match(log) is { Success: true } f ? f.Groups[1].Value.Trim() : "";
            yield return new Finding(FindingKinds.JvmCrashLog, $"the JVM wrote its crash report to {hs.Groups["p"].Value}" + (frame.Length > 0 ? $"; problematic frame {frame}" : ""), "log")
            {
                Values = new Dictionary<string, string> { ["path"] = hs.Groups["p"].Value, ["frame"] = frame },
            };
        }
    }

    static readonly string[] IsaWords = ["avx", "sse", "fma", "bmi2", "x86-64-v", "popcnt", "neon", "armv8", "illegal", "sigill"];

    static readonly string[] LibcWords = ["error relocating", "symbol not found", "glibc_", "ld-linux", "_chk", "libc.musl"];

    [GeneratedRegex(@"(requires?|needs?|support for|not support|does not support|missing|without)\W+(the )?(CPU |instruction set |processor )?(?<f>AVX-?512\w*|AVX2|AVX|SSE4[._]?[12]|SSE4|SSSE3|FMA3?|BMI2|x86-64-v[234]|POPCNT|NEON|ARMv8\.\d)|(?<f>AVX2|AVX|SSE4\.[12]|x86-64-v[234])\W+(instructions? )?(is |are )?(required|not (available|supported|detected))|(compiled|built) to use (?<f>AVX-?512\w*|AVX2|AVX|SSE4\.[12]|FMA)|Illegal instruction|illegal hardware instruction|SIGILL", RegexOptions.IgnoreCase)]
    private static partial Regex InstructionSet();

    [GeneratedRegex(@"\b(AVX-?512\w*|AVX2|AVX|SSE4[._]?[12]|SSSE3|FMA3?|BMI2|x86-64-v[234])\b", RegexOptions.IgnoreCase)]
    private static partial Regex Feature();

    [GeneratedRegex(@"Error relocating [^\n]*|symbol not found[^\n]*|version `GLIBC_[\d.]+' not found[^\n]*|GLIBC_[\d.]+ not found[^\n]*|ld-linux[\w.-]*: No such file or directory|__(memcpy|fprintf|sprintf|snprintf|vsnprintf)_chk[^\n]*|libc\.musl[^\n]*not found", RegexOptions.IgnoreCase)]
    private static partial Regex Libc();

    [GeneratedRegex(@"error report file with more information is saved as:\s*(?:#\s*)?(?<p>\S+hs_err\S*)|(?<p>\S*hs_err_pid\d+\.log)")]
    private static partial Regex HsErr();

    [GeneratedRegex(@"Problematic frame:\s*\n#?\s*(.+)")]
    private static partial Regex ProblematicFrame();
}
