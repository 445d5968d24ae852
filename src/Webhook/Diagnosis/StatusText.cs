using System.Globalization;

namespace Webhook.Diagnosis;

/// <summary>Quotes status fields as evidence, in the words of the Kubernetes API.</summary>
public static class StatusText
{
    public static string Terminated(CrashFacts facts)
    {
        var t = facts.Terminated;
        if (t is null) return "no terminated state";
        var parts = new List<string> { $"lastState.terminated: reason={t.Reason ?? "(none)"}", $"exitCode={t.ExitCode}" };
        if (Signals.ForExitCode(t.ExitCode) is { } signal) parts[^1] += $" ({signal})";
        if (facts.RunTime is { } ran) parts.Add($"ran {Duration(ran)}");
        if (!string.IsNullOrWhiteSpace(t.Message)) parts.Add($"message=\"{Text.Clip(t.Message.Trim(), 300)}\"");
        return string.Join(", ", parts);
    }

    public static string Waiting(CrashFacts facts) =>
        $"state.waiting: reason={facts.Waiting?.Reason}, message=\"{Text.Clip(facts.Waiting?.Message?.Trim() ?? "", 300)}\"";

    public static string Duration(TimeSpan span) =>
        span.TotalSeconds < 120 ? $"{span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)}s"
        : span.TotalMinutes < 120 ? $"{span.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)}m"
        : $"{span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)}h";
}
