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
    /// <summary>"deployment shop/api", or the pod when no owner is known.</summary>
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

    public string ConfidenceText => $"confidence {Math.Round(Confidence * 100):0}%";
}

public sealed record Fact(string Name, string Value);

/// <summary>An http(s) link, already checked by <see cref="Safety.SafeUrl"/>.</summary>
public sealed record Link(string Title, string Url);
