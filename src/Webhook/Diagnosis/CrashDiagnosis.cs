using System.Text.Json.Serialization;

namespace Webhook.Diagnosis;

/// <summary>Why the container keeps dying. Field names are the JSON contract of taxonomy.md.</summary>
public sealed record CrashDiagnosis
{
    public required string Cause { get; init; }
    public double Confidence { get; init; }
    /// <summary>"certain", "likely" or "possible": the band of <see cref="Confidence"/> (see <see cref="Certainty"/>).</summary>
    public string Certainty => Diagnosis.Certainty.Of(Confidence, Cause);
    public required string Summary { get; init; }
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];
    /// <summary>Next steps, written from <see cref="Findings"/> with the concrete values of this pod.</summary>
    public IReadOnlyList<string> Remediation { get; init; } = [];
    /// <summary>The two or three kubectl commands that confirm the diagnosis (read-only, shell-quoted).</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];
    /// <summary>When the fix is certain and mechanical: the one command that applies it. It changes the cluster.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProposedChange? Change { get; init; }
    public string? Container { get; init; }
    public int? ExitCode { get; init; }
    /// <summary>Signal name for exit codes 128+N, e.g. SIGKILL.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Signal { get; init; }
    public int? RestartCount { get; init; }
    /// <summary>What evidence was missing (no previous log, pod gone...).</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];
    /// <summary>The facts the cause and the next steps are derived from.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    /// <summary>Runner-up causes, most likely first; empty when the evidence is unambiguous.</summary>
    public IReadOnlyList<Alternative> Alternatives { get; init; } = [];
}

/// <summary>One quoted piece of evidence; Source is "pod.status", "event" or "log".</summary>
public sealed record Evidence(string Source, string Text);

/// <summary>A runner-up cause and its confidence.</summary>
public sealed record Alternative(string Cause, double Confidence);

/// <summary>A command that applies the fix (it writes to the cluster), with what it changes.</summary>
public sealed record ProposedChange(string Text, string Command);
