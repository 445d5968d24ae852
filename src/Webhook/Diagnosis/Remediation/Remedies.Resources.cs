using System.Globalization;

namespace Webhook.Diagnosis;

public static partial class Remedies
{
    /// <summary>The kernel OOM killer: the limit, the rollout that changed it and the heap caps against it (<see cref="MemoryAdvice"/>).</summary>
    static IEnumerable<string> OomKilled(RuleMatch match, CrashFacts facts, Findings findings) => MemoryAdvice.For(match, facts, findings).Steps;

    /// <summary>The runtime's own out-of-memory error: which heap cap binds and what to raise (<see cref="MemoryAdvice"/>).</summary>
    static IEnumerable<string> RuntimeOutOfMemory(RuleMatch match, CrashFacts facts, Findings findings) => MemoryAdvice.For(match, facts, findings).Steps;

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
