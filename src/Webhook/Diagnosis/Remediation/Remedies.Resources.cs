using System.Globalization;

namespace Webhook.Diagnosis;

public static partial class Remedies
{
    /// <summary>
    /// The kernel OOM killer: the limit, the rollout that changed it and the heap caps against it (<see cref="MemoryAdvice"/>).
    /// Measured memory history replaces the rule-of-thumb raise (current limit × factor) with the observed peak;
    /// what the advice says about heap caps and rollouts stays.
    /// </summary>
    static IEnumerable<string> OomKilled(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var steps = MemoryAdvice.For(match, facts, findings).Steps;
        if (findings.First(FindingKinds.MemoryHistory) is { } history)
            return FromMemoryHistory(facts, history).Concat(steps.Where(s => !IsRuleOfThumbRaise(s)));
        return findings.First(FindingKinds.MemoryUsage) is { } usage ? steps.Prepend(UsageNow(usage)) : steps;
    }

    static bool IsRuleOfThumbRaise(string step) =>
        step.StartsWith("Raise resources.limits.memory", StringComparison.Ordinal)
        || step.StartsWith("If the working set really needs more", StringComparison.Ordinal)
        || step.StartsWith("If usage keeps growing", StringComparison.Ordinal);

    /// <summary>The runtime's own out-of-memory error: which heap cap binds and what to raise (<see cref="MemoryAdvice"/>), and the observed peak when known.</summary>
    static IEnumerable<string> RuntimeOutOfMemory(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var steps = MemoryAdvice.For(match, facts, findings).Steps;
        return RuntimeLimitFromHistory(findings) is { } fromHistory ? steps.Append(fromHistory) : steps;
    }

    const long Mi = 1024 * 1024;

    /// <summary>A larger limit rounded up to a tidy size: 256Mi → 384Mi, 1Gi → 1536Mi, 6Gi → 9Gi.</summary>
    public static string Suggest(long bytes, double factor)
    {
        var target = (long)Math.Ceiling(bytes * factor / Mi);
        var step = target < 512 ? 32 : target < 1024 ? 64 : 256;
        target = (target + step - 1) / step * step;
        return target % 1024 == 0 ? $"{(target / 1024).ToString(CultureInfo.InvariantCulture)}Gi" : $"{target.ToString(CultureInfo.InvariantCulture)}Mi";
    }
}
