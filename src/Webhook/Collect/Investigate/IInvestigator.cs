using Webhook.Alerts;
using Webhook.Diagnosis;

namespace Webhook.Collect;

/// <summary>
/// Answers the classifier's follow-up questions with bounded, read-only calls and returns the snapshot with the
/// answers in <see cref="PodSnapshot.Objects"/>. Never throws for API trouble: what could not be read is a named gap.
/// </summary>
public interface IInvestigator
{
    /// <param name="ask">The questions for a snapshot; asked again after each round, so an answer can lead one hop further.</param>
    /// <param name="spent">Time the alert's collection already used: follow-ups share its deadline.</param>
    Task<PodSnapshot> InvestigateAsync(AlertContext alert, PodSnapshot snapshot, Func<PodSnapshot, IReadOnlyList<Question>> ask,
        TimeSpan spent, CancellationToken cancellationToken);
}

public static class InvestigatorExtensions
{
    /// <summary>classify → questions → answers: the snapshot to classify again (pure) for the diagnosis.</summary>
    public static async Task<PodSnapshot> FollowUpAsync(this IInvestigator investigator, ICrashClassifier classifier, AlertContext alert,
        PodSnapshot snapshot, TimeSpan spent, CancellationToken cancellationToken) =>
        (await investigator.FollowUpWithFirstAsync(classifier, alert, snapshot, spent, cancellationToken)).Snapshot;

    /// <summary>
    /// As <see cref="FollowUpAsync"/>, with the first classification (of the snapshot as collected) that chose the
    /// questions, for a later stage that decides on it (the memory history); null when none was made.
    /// </summary>
    public static async Task<FollowedUp> FollowUpWithFirstAsync(this IInvestigator investigator, ICrashClassifier classifier, AlertContext alert,
        PodSnapshot snapshot, TimeSpan spent, CancellationToken cancellationToken)
    {
        // Nothing to follow without the pod, or without a cluster to ask: spare the first classification.
        if (snapshot.Pod is null || investigator is NoInvestigation)
            return new FollowedUp(snapshot, null);
        var first = classifier.Classify(snapshot);
        return new FollowedUp(await investigator.InvestigateAsync(alert, snapshot, s => FollowUps.For(s, first), spent, cancellationToken), first);
    }
}

/// <summary>The snapshot with the answers to its follow-up questions, and the classification that asked them (null: none was made).</summary>
public sealed record FollowedUp(PodSnapshot Snapshot, CrashDiagnosis? First);

/// <summary>No cluster to ask: the snapshot as it is.</summary>
public sealed class NoInvestigation : IInvestigator
{
    public Task<PodSnapshot> InvestigateAsync(AlertContext alert, PodSnapshot snapshot, Func<PodSnapshot, IReadOnlyList<Question>> ask,
        TimeSpan spent, CancellationToken cancellationToken) => Task.FromResult(snapshot);
}
