namespace Webhook.Diagnosis;

/// <summary>
/// One fact the diagnosis rests on: what it is (<see cref="Kind"/>), a sentence a person reads, where in the
/// snapshot it comes from ("pod.spec", "pod.status", "event", "log", "workload"), and its concrete values
/// (path, port, variable, limit...). The cause and every next step are written from findings, so a step can
/// only name what the snapshot shows.
/// </summary>
public sealed record Finding(string Kind, string Text, string Source)
{
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();

    /// <summary>A value by name, or null.</summary>
    public string? Get(string key) => Values.TryGetValue(key, out var value) ? value : null;
}
