using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Webhook.Alerts;
using Webhook.Diagnosis;

namespace Webhook.Collect;

/// <summary>
/// Answers follow-up questions against the alert's cluster: at most <see cref="MaxCalls"/> API calls per alert
/// (answers from the shared <see cref="AnswerCache"/> cost none), under what is left of the alert's deadline and
/// the process-wide call limit, in up to <see cref="MaxRounds"/> rounds (an answer may lead one hop further).
/// Forbidden, missing and late reads are named gaps; a 404 on a GET is an answer ("does not exist").
/// </summary>
public sealed class KubernetesInvestigator(
    KubernetesConnections connections, ApiCallLimiter limiter, KubernetesOptions options, AnswerCache cache, ILogger<KubernetesInvestigator> logger)
    : IInvestigator
{
    public const int MaxCalls = 8;
    public const int MaxRounds = 3;

    public async Task<PodSnapshot> InvestigateAsync(AlertContext alert, PodSnapshot snapshot, Func<PodSnapshot, IReadOnlyList<Question>> ask,
        TimeSpan spent, CancellationToken cancellationToken)
    {
        if (snapshot.Pod is null || connections.Resolve(alert.Cluster) is not { Api: { } api })
            return snapshot;
        var remaining = options.Deadline - spent;
        if (remaining <= TimeSpan.Zero)
            return snapshot with { Gaps = [.. snapshot.Gaps, "follow-ups: not asked, collection used up the alert's deadline"] };

        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(remaining);
        var run = new CollectRun(api, limiter, options.Deadline, deadline.Token, cancellationToken);
        var objects = new Dictionary<string, string>(snapshot.Objects, StringComparer.Ordinal);
        var asked = new HashSet<string>(StringComparer.Ordinal);
        var notAsked = new List<Question>();
        int calls = 0, cached = 0;
        var current = snapshot;
        for (var round = 0; round < MaxRounds && !deadline.IsCancellationRequested; round++)
        {
            var questions = ask(current).Where(q => asked.Add(q.Key)).ToList();
            if (questions.Count == 0) break;
            var pending = new List<Task<(Question, Answer?)>>();
            foreach (var q in questions)
            {
                var key = $"{alert.Cluster}|{q.Key}";
                if (calls >= MaxCalls && !cache.Has(key))
                {
                    notAsked.Add(q);
                    continue;
                }
                var (answer, fetched) = cache.GetOrFetch(key, () => FetchAsync(run, q));
                if (fetched) calls++;
                else cached++;
                pending.Add(AwaitAsync(run, q, answer, cancellationToken));
            }
            foreach (var (q, answer) in await Task.WhenAll(pending))
                foreach (var (k, v) in answer?.Objects ?? [])
                    if (Keep(q, v))
                        objects[k] = v;
            current = snapshot with { Objects = new Dictionary<string, string>(objects, StringComparer.Ordinal) };
        }
        var gaps = snapshot.Gaps.Concat(run.Gaps).ToList();
        if (notAsked.Count > 0)
            gaps.Add($"follow-ups: {MaxCalls}-call budget used; not asked: {string.Join(", ", notAsked.Select(q => q.ToString()))}");
        InvestigateLog.Investigated(logger, snapshot.Namespace, snapshot.PodName, calls, cached, objects.Count - snapshot.Objects.Count,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return snapshot with { Objects = objects, Gaps = gaps };
    }

    /// <summary>One call through the alert's run (limit, deadline, metrics); a GET's 404 is the answer "not found", other errors throw.</summary>
    static async Task<Answer> FetchAsync(CollectRun run, Question q)
    {
        var (answer, error) = await run.TryGetAsync((api, ct) => AnswerFetcher.FetchAsync(api, q, ct));
        if (error is null) return answer!;
        if (!q.IsList && ApiGaps.IsNotFound(error)) return AnswerFetcher.NotFound(q);
        throw new FollowUpFailed(run.Describe($"follow-up {q}", error), error);
    }

    static async Task<(Question, Answer?)> AwaitAsync(CollectRun run, Question q, Task<Answer> answer, CancellationToken cancellationToken)
    {
        try
        {
            return (q, await answer.WaitAsync(cancellationToken));
        }
        catch (FollowUpFailed e)
        {
            run.AddGap(e.Message);
            return (q, null);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            run.AddGap(run.Describe($"follow-up {q}", e));
            return (q, null);
        }
    }

    /// <summary>A list item this alert's question keeps (see <see cref="Question.KeepSelecting"/>); every item when it sets no filter.</summary>
    static bool Keep(Question q, string json)
    {
        if (q.KeepSelecting is null && q.KeepClusterIp is null) return true;
        var o = System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonObject;
        if (o is null) return false;
        return (q.KeepSelecting is { } labels && Answers.Selects(o["spec"]?["selector"], labels.ToDictionary()))
            || (q.KeepClusterIp is { } ip && Answers.Str(o["spec"]?["clusterIP"]) == ip);
    }

    sealed class FollowUpFailed(string gap, Exception inner) : Exception(gap, inner);
}

static partial class InvestigateLog
{
    [LoggerMessage(3010, LogLevel.Debug, "Followed up {Namespace}/{Pod}: {Calls} API call(s), {Cached} answer(s) from the cache, {Objects} object(s) in {ElapsedMs} ms")]
    public static partial void Investigated(ILogger logger, string @namespace, string pod, int calls, int cached, int objects, long elapsedMs);
}
