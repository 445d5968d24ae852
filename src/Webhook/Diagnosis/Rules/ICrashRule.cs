namespace Webhook.Diagnosis;

/// <summary>One way of recognising a cause. Returns null when its signal is absent.</summary>
public interface ICrashRule
{
    RuleMatch? Evaluate(CrashFacts facts);
}
