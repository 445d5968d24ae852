namespace Webhook.Diagnosis;

public static partial class Remedies
{
    /// <summary>A probe kill: what the probe got (status, refusal, timeout, output) and the start-up time against its budget (<see cref="ProbeAdvice"/>).</summary>
    static IEnumerable<string> ProbeFailure(RuleMatch match, CrashFacts facts, Findings findings) => ProbeAdvice.For(match, facts, findings).Steps;
}
