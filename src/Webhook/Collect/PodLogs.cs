using k8s.Models;

namespace Webhook.Collect;

/// <summary>
/// The previous and current log reads of one container, started together, and the fallback of reference.md:
/// previous log, else the last termination message, else the current log, recording which was used.
/// </summary>
public sealed class PodLogs
{
    readonly Task<(LogRead? Read, Exception? Error)> previous;
    readonly Task<(LogRead? Read, Exception? Error)> current;
    readonly string container;

    PodLogs(Task<(LogRead?, Exception?)> previous, Task<(LogRead?, Exception?)> current, string container)
    {
        this.previous = previous;
        this.current = current;
        this.container = container;
    }

    public static PodLogs Start(CollectRun run, string ns, string pod, string container, LogOptions limits) => new(
        ReadAsync(run, ns, pod, new LogQuery(container, true, limits.TailLines, limits.ReadLimitBytes), limits),
        ReadAsync(run, ns, pod, new LogQuery(container, false, limits.CurrentTailLines, limits.ReadLimitBytes), limits),
        container);

    static async Task<(LogRead?, Exception?)> ReadAsync(CollectRun run, string ns, string pod, LogQuery query, LogOptions limits) =>
        await run.TryGetAsync(async (api, ct) =>
        {
            await using var stream = await api.OpenLogAsync(ns, pod, query, ct);
            return await LogTailReader.ReadAsync(stream, query.TailLines, limits.MaxBytes, query.LimitBytes, ct);
        });

    public async Task<(LogTail? Previous, LogTail? Current)> ChooseAsync(CollectRun run, V1Pod? pod, bool podGone)
    {
        var (prev, prevError) = await previous;
        var (cur, curError) = await current;
        var currentTail = cur is { Text.Length: > 0 } ? new LogTail(cur.Text, LogSource.Current, cur.Truncated) : null;
        if (podGone)
            return (null, null); // "pod no longer exists" says it all; log errors would only repeat it
        if (pod is not null && Status(pod) is null && !InSpec(pod))
        {
            run.AddGap($"container '{container}' is not in the pod; no logs");
            return (null, null);
        }
        if (curError is not null)
            run.AddGap(run.Describe("current log", curError));
        if (prev is { Text.Length: > 0 })
            return (new LogTail(prev.Text, LogSource.Previous, prev.Truncated), currentTail);

        var why = prevError switch
        {
            null => "previous log: empty",
            _ when ApiGaps.IsBadRequest(prevError) => "previous log: no previous instance",
            _ => run.Describe("previous log", prevError),
        };
        if (TerminationMessage(pod) is { } message)
        {
            run.AddGap($"{why}; used the last termination message of {container}");
            return (new LogTail(message, LogSource.TerminationMessage), currentTail);
        }
        if (currentTail is not null)
        {
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
