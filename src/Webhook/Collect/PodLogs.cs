using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// The log reads of one container and the fallback of reference.md: previous log, else the last termination message,
/// else the current log, recording which was used. The previous log is read at once; the current log only when the
/// fallback reaches it (nothing reads it otherwise), so a storm of crashes with a previous log costs one log read per pod.
/// </summary>
public sealed class PodLogs
{
    readonly Task<(LogRead? Read, Exception? Error)> previous;
    Task<(LogRead? Read, Exception? Error)>? current;
    readonly CollectRun run;
    readonly string ns;
    readonly string pod;
    readonly string container;
    readonly LogOptions limits;

    PodLogs(CollectRun run, string ns, string pod, string container, LogOptions limits)
    {
        (this.run, this.ns, this.pod, this.container, this.limits) = (run, ns, pod, container, limits);
        previous = ReadAsync(new LogQuery(container, true, limits.TailLines, limits.ReadLimitBytes));
    }

    public static PodLogs Start(CollectRun run, string ns, string pod, string container, LogOptions limits) => new(run, ns, pod, container, limits);

    Task<(LogRead?, Exception?)> Current() =>
        current ??= ReadAsync(new LogQuery(container, false, limits.CurrentTailLines, limits.ReadLimitBytes));

    async Task<(LogRead?, Exception?)> ReadAsync(LogQuery query) =>
        await run.TryGetAsync(async (api, ct) =>
        {
            await using var stream = await api.OpenLogAsync(ns, pod, query, ct);
            return await LogTailReader.ReadAsync(stream, query.TailLines, limits.MaxBytes, query.LimitBytes, ct);
        });

    public async Task<(LogTail? Previous, LogTail? Current)> ChooseAsync(CollectRun run, V1Pod? pod, bool podGone)
    {
        // The pod already says the fallback will reach the current log (no earlier instance, no message): read it alongside.
        if (!podGone && pod is not null && Status(pod) is { RestartCount: 0, LastState: null or { Terminated: null } } && TerminationMessage(pod) is null)
            _ = Current();
        try
        {
            return await ChooseAfterPreviousAsync(run, pod, podGone);
        }
        finally
        {
            // Every read has ended when the snapshot is made, even one that turned out not to be needed.
            if (current is not null) await current;
        }
    }

    async Task<(LogTail?, LogTail?)> ChooseAfterPreviousAsync(CollectRun run, V1Pod? pod, bool podGone)
    {
        var (prev, prevError) = await previous;
        if (podGone)
            return (null, null); // "pod no longer exists" says it all; log errors would only repeat it
        if (pod is not null && Status(pod) is null && !InSpec(pod))
        {
            run.AddGap($"container '{container}' is not in the pod; no logs");
            return (null, null);
        }
        if (prev is { Text.Length: > 0 })
            return (new LogTail(prev.Text, LogSource.Previous, prev.Truncated), null);

        var why = prevError switch
        {
            null => "previous log: empty",
            _ when ApiGaps.IsBadRequest(prevError) => "previous log: no previous instance",
            _ => run.Describe("previous log", prevError),
        };
        if (TerminationMessage(pod) is { } message)
        {
            run.AddGap($"{why}; used the last termination message of {container}");
            return (new LogTail(message, LogSource.TerminationMessage), null);
        }
        var (cur, curError) = await Current();
        if (curError is not null)
            run.AddGap(run.Describe("current log", curError));
        if (cur is { Text.Length: > 0 })
        {
            var currentTail = new LogTail(cur.Text, LogSource.Current, cur.Truncated);
            run.AddGap($"{why}; used the current log of {container}");
            return (currentTail, currentTail);
        }
        run.AddGap($"{why}; no termination message or current log either");
        return (null, null);
    }

    V1ContainerStatus? Status(V1Pod? pod) =>
        (pod?.Status?.InitContainerStatuses ?? []).Concat(pod?.Status?.ContainerStatuses ?? []).FirstOrDefault(s => s.Name == container);

    bool InSpec(V1Pod pod) => (pod.Spec?.InitContainers ?? []).Concat(pod.Spec?.Containers ?? []).Any(c => c.Name == container);

    string? TerminationMessage(V1Pod? pod)
    {
        var status = Status(pod);
        var message = status?.LastState?.Terminated?.Message ?? status?.State?.Terminated?.Message;
        return string.IsNullOrWhiteSpace(message) ? null : message;
    }
}
