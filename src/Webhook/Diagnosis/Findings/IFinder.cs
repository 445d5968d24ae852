namespace Webhook.Diagnosis;

/// <summary>
/// Reads one kind of fact out of the snapshot (probes, memory caps, config sources, mounts...). Pure. The leading
/// rule match is passed so a finder can read the decisive log line (<see cref="RuleMatch.Detail"/>).
/// </summary>
public interface IFinder
{
    IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match);
}
