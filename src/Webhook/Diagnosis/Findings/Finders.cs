namespace Webhook.Diagnosis;

/// <summary>Every finder, run in this order; the findings of all of them feed the cause's next steps.</summary>
public static class Finders
{
    public static readonly IReadOnlyList<IFinder> All =
    [
        new InstanceFinder(),
        new ChangeFinder(),
        new CommandFinder(),
        new NativeFinder(),
        new NativeFrameFinder(),
        new DependencyFinder(),
        new ApplicationFinder(),
        new LogFinder(),
        new MountShadowFinder(),
        new QuotedValueFinder(),
        new CapabilityFinder(),
        new ProbeFinder(),
        new MemoryFinder(),
        new MemoryHistoryFinder(),
        new ConfigFinder(),
        new PermissionFinder(),
        // From the answers to follow-up questions (objects/), and the pulls of a mutable tag.
        new EndpointsFinder(),
        new ConfigSourceFinder(),
        new BlastRadiusFinder(),
        new RevisionFinder(),
        new NodeFinder(),
        new MutableTagFinder(),
    ];

    public static Findings Collect(CrashFacts facts, RuleMatch match) =>
        new(All.SelectMany(f => f.Find(facts, match)).ToList());
}
