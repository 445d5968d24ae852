namespace Webhook.Diagnosis;

/// <summary>
/// The one command that applies a fix, only where the fix is certain and mechanical (the value to set follows
/// from the findings alone). Everything else stays a next step for a person to judge.
/// </summary>
public static class ProposedChanges
{
    public static ProposedChange? For(RuleMatch match, CrashFacts facts, Findings findings) => match.Cause switch
    {
        Causes.OomKilled or Causes.RuntimeOutOfMemory => MemoryAdvice.For(match, facts, findings).Change,
        Causes.ProbeFailure => ProbeAdvice.For(match, facts, findings).Change,
        Causes.ConfigError or Causes.PermissionDenied => ConfigChanges.For(match, facts, findings),
        _ => null,
    };
}
