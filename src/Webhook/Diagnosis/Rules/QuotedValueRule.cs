namespace Webhook.Diagnosis;

/// <summary>
/// A generic application error (an unwrap, a parse failure, a None) while an env value carries literal quotes:
/// the quoted value is the likelier fault. Just above a bare exception's weight, so any specific signal wins.
/// </summary>
public sealed class QuotedValueRule : ICrashRule
{
    public RuleMatch? Evaluate(CrashFacts facts)
    {
        if (facts.Verdict is not { Cause: Causes.ApplicationError } verdict || facts.ExitCode is 0 or null)
            return null;
        var quoted = QuotedValueFinder.Quoted(facts).FirstOrDefault();
        if (quoted is null)
            return null;
        var variable = quoted.Get("variable");
        return new RuleMatch(Causes.ConfigError, Math.Min(0.7, verdict.Score + 0.05),
            $"{facts.ContainerName} fails on startup and env {variable} is set with literal quotes around its value, which then does not parse: {Text.Quote(verdict.Line.Text)}.")
        {
            Evidence = [new("pod.status", StatusText.Terminated(facts)), new("pod.spec", $"env {variable}: value starts and ends with {quoted.Get("quote")}"), new("log", verdict.Line.Text.Trim())],
            Detail = variable,
            Rule = nameof(QuotedValueRule),
        };
    }
}
