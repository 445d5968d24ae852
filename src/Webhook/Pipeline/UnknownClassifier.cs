using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Pipeline;

/// <summary>The classifier used when none is registered: says plainly that it does not know.</summary>
public sealed class UnknownClassifier : ICrashClassifier
{
    public CrashDiagnosis Classify(PodSnapshot snapshot) => new()
    {
        Cause = Causes.Unknown,
        Confidence = 0,
        Summary = $"Pod {snapshot.Namespace}/{snapshot.PodName} is crash looping; no classifier is configured.",
        Container = snapshot.Container,
        Missing = snapshot.Gaps,
    };
}
