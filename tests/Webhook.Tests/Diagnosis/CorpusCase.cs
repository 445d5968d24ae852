using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhook.Tests.Diagnosis;

/// <summary>One labelled bundle of tests/corpus and its expected.json.</summary>
public sealed record CorpusCase(string Name, string Folder, CorpusExpectation Expected)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static IReadOnlyList<CorpusCase> Load()
    {
        var root = Path.Combine(RepoRoot(), "tests", "corpus");
        if (!Directory.Exists(root)) return [];
        return Directory.GetDirectories(root)
            .Where(d => File.Exists(Path.Combine(d, "expected.json")))
            .OrderBy(d => d, StringComparer.Ordinal)
            .Select(d => new CorpusCase(Path.GetFileName(d), d,
                JsonSerializer.Deserialize<CorpusExpectation>(File.ReadAllText(Path.Combine(d, "expected.json")), Json)!))
            .ToList();
    }

    /// <summary>The folder holding Webhook.sln, found by walking up from the test binaries.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Webhook.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Webhook.sln not found above {AppContext.BaseDirectory}");
    }
}

public sealed record CorpusExpectation(
    string Cause,
    string? Container,
    string? Source,
    string? Why,
    string? Split,
    [property: JsonPropertyName("hard")] bool Hard,
    string? Stack,
    string? Difficulty = null,
    IReadOnlyList<IReadOnlyList<string>>? Specifics = null)
{
    /// <summary>
    /// Whether the next steps name what a specific fix must name: every group matched by one of its alternatives,
    /// case-insensitively, somewhere in the remediation, the commands or the proposed change (taxonomy.md).
    /// Null when the case lists no specifics.
    /// </summary>
    public bool? SpecificsNamed(Webhook.Diagnosis.CrashDiagnosis d)
    {
        if (Specifics is not { Count: > 0 } groups) return null;
        var text = string.Join('\n', d.Remediation.Concat(d.Commands).Append(d.Change?.Command ?? "").Append(d.Change?.Text ?? ""));
        return groups.All(g => g.Any(alt => text.Contains(alt, StringComparison.OrdinalIgnoreCase)));
    }
}
