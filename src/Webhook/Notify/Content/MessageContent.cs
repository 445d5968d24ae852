namespace Webhook.Notify.Content;

/// <summary>
/// What every chat message says, before any chat's formatting: all untrusted text already redacted,
/// not yet escaped (each renderer escapes for its own markup).
/// </summary>
public sealed record MessageContent
{
    public required string Cause { get; init; }
    /// <summary>The cause in words, e.g. "OOM killed at its memory limit".</summary>
    public required string CauseWords { get; init; }
    /// <summary>"deployment shop/api", or the pod when no owner is known; "init container flyway in deployment shop/api" when not the main container fails.</summary>
    public required string Workload { get; init; }
    public required string Summary { get; init; }
    public IReadOnlyList<Fact> Facts { get; init; } = [];
    /// <summary>Structured evidence (status, events) as short lines.</summary>
    public IReadOnlyList<string> EvidenceLines { get; init; } = [];
    /// <summary>The crash log (redacted, whole); each renderer cuts it to its budget with <see cref="LogExcerpt"/>.</summary>
    public string? Log { get; init; }
    /// <summary>The log lines the diagnosis quotes: they survive every cut.</summary>
    public IReadOnlyList<string> LogEvidence { get; init; } = [];
    public string? LogLabel { get; init; }
    public IReadOnlyList<string> Remediation { get; init; } = [];
    public IReadOnlyList<string> Commands { get; init; } = [];
    public IReadOnlyList<string> Missing { get; init; } = [];
    public double Confidence { get; init; }
    public IReadOnlyList<Link> Links { get; init; } = [];
    public bool Resolved { get; init; }
    public TimeSpan? Lasted { get; init; }
    public int? RestartCount { get; init; }
    public string? Pod { get; init; }

    /// <summary>"certain", "likely", "possible" or "unknown" (<see cref="Diagnosis.Certainty"/>).</summary>
    public string Certainty { get; init; } = "certain";
    /// <summary>The runner-up cause in words, named by uncertain messages.</summary>
    public string? RunnerUp { get; init; }
    /// <summary>A command that applies the fix, labelled as a change; only when the fix is certain and mechanical.</summary>
    public Diagnosis.ProposedChange? Change { get; init; }

    /// <summary>The headline's marker: red only when the cause is certain; a neutral mark when it is a guess.</summary>
    public string Icon => Resolved ? "✅" : Certainty == "certain" ? "🔴" : "⚪";

    public string ConfidenceText => $"confidence {Math.Round(Confidence * 100):0}%" + (RunnerUp is null || Certainty == "certain" ? "" : $", runner-up: {RunnerUp}");
}

public sealed record Fact(string Name, string Value);

/// <summary>An http(s) link, already checked by <see cref="Safety.SafeUrl"/>.</summary>
public sealed record Link(string Title, string Url);
