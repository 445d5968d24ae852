using k8s.Models;
using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>
/// The parts of a snapshot the rules read, looked up once: the container's spec and status, the
/// terminated instance, its kubelet events and the normalised log tail.
/// </summary>
public sealed class CrashFacts
{
    public required PodSnapshot Snapshot { get; init; }
    public string? ContainerName { get; init; }
    public V1Container? Spec { get; init; }
    public V1ContainerStatus? Status { get; init; }
    public bool IsInitContainer { get; init; }
    /// <summary>The instance that ended: lastState.terminated, else state.terminated.</summary>
    public V1ContainerStateTerminated? Terminated { get; init; }
    public V1ContainerStateWaiting? Waiting { get; init; }
    /// <summary>Events about this pod that concern this container (or the pod as a whole).</summary>
    public IReadOnlyList<Corev1Event> Events { get; init; } = [];
    public LogView Log { get; init; } = LogView.Empty;
    public required ClassifierOptions Options { get; init; }

    public int? ExitCode => Terminated?.ExitCode;
    public string RestartPolicy => Snapshot.Pod?.Spec?.RestartPolicy ?? "Always";
    public string Namespace => Snapshot.Namespace;
    public string PodName => Snapshot.PodName;

    /// <summary>How long the terminated instance ran, when both timestamps are known.</summary>
    /// <remarks>Runtimes report startedAt as the epoch (or leave it out) when the process never started: no duration then.</remarks>
    public TimeSpan? RunTime => Terminated is { StartedAt: { } s, FinishedAt: { } f } && f >= s && s.Year > 2000 ? f - s : null;

    /// <summary>The process never ran: the terminated instance has no start time, or the zero time (StartError, ContainerCannotRun).</summary>
    public bool NeverStarted => Terminated is { } t && (t.StartedAt is null || t.StartedAt.Value.Year <= 2000);

    /// <summary>The log verdict, computed once on first use (several rules consult it).</summary>
    public LogVerdict? Verdict
    {
        get
        {
            if (!verdictComputed) { verdict = Log.VerdictFor(Options); verdictComputed = true; }
            return verdict;
        }
    }
    LogVerdict? verdict;
    bool verdictComputed;

    public static CrashFacts From(PodSnapshot snapshot, ClassifierOptions options)
    {
        var pod = snapshot.Pod;
        var name = snapshot.Container ?? MostRestarted(pod);
        var spec = pod?.Spec?.Containers?.FirstOrDefault(c => c.Name == name);
        var initSpec = pod?.Spec?.InitContainers?.FirstOrDefault(c => c.Name == name);
        var status = pod?.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == name)
            ?? pod?.Status?.InitContainerStatuses?.FirstOrDefault(c => c.Name == name);
        var terminated = status?.LastState?.Terminated ?? status?.State?.Terminated;

        var logTail = UsableLog(snapshot.PreviousLog) ?? TerminationMessage(terminated) ?? UsableLog(snapshot.CurrentLog);
        return new CrashFacts
        {
            Snapshot = snapshot,
            ContainerName = name,
            Spec = spec ?? initSpec,
            IsInitContainer = spec is null && initSpec is not null,
            Status = status,
            Terminated = terminated,
            Waiting = status?.State?.Waiting,
            Events = ContainerEvents.For(snapshot.Events, name),
            Log = LogView.From(logTail, options),
            Options = options,
        };
    }

    static LogTail? UsableLog(LogTail? tail) => string.IsNullOrWhiteSpace(tail?.Text) ? null : tail;

    static LogTail? TerminationMessage(V1ContainerStateTerminated? terminated) =>
        string.IsNullOrWhiteSpace(terminated?.Message) ? null : new LogTail(terminated.Message, LogSource.TerminationMessage);

    /// <summary>The container with the most restarts, init containers included; ties go to one that is not running.</summary>
    public static string? MostRestarted(V1Pod? pod)
    {
        var statuses = (pod?.Status?.InitContainerStatuses ?? []).Concat(pod?.Status?.ContainerStatuses ?? []).ToList();
        if (statuses.Count == 0)
            return pod?.Spec?.Containers?.FirstOrDefault()?.Name;
        return statuses
            .OrderByDescending(s => s.RestartCount)
            .ThenByDescending(s => s.State?.Waiting is { Reason: not "PodInitializing" } || s.LastState?.Terminated is not null)
            .First().Name;
    }
}
