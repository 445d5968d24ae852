namespace Webhook.Diagnosis;

/// <summary>The findings of one diagnosis, with lookups by kind for the step writers.</summary>
public sealed class Findings(IReadOnlyList<Finding> all)
{
    public static readonly Findings None = new([]);

    public IReadOnlyList<Finding> All { get; } = all;

    public bool Has(string kind) => All.Any(f => f.Kind == kind);

    public Finding? First(string kind) => All.FirstOrDefault(f => f.Kind == kind);

    public IEnumerable<Finding> OfKind(string kind) => All.Where(f => f.Kind == kind);
}
