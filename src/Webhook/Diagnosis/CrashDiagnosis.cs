using System.Text.Json.Serialization;

namespace Webhook.Diagnosis;

/// <summary>Why the container keeps dying. Field names are the JSON contract of taxonomy.md.</summary>
public sealed record CrashDiagnosis
{
    public required string Cause { get; init; }
    public double Confidence { get; init; }
    public required string Summary { get; init; }
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];
    public IReadOnlyList<string> Remediation { get; init; } = [];
    /// <summary>The two or three kubectl commands that confirm the diagnosis.</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];
    public string? Container { get; init; }
    public int? ExitCode { get; init; }
    /// <summary>Signal name for exit codes 128+N, e.g. SIGKILL.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Signal { get; init; }
    public int? RestartCount { get; init; }
    /// <summary>What evidence was missing (no previous log, pod gone...).</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];
}

/// <summary>One quoted piece of evidence; Source is "pod.status", "event" or "log".</summary>
public sealed record Evidence(string Source, string Text);
