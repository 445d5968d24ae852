using System.Collections.Concurrent;

namespace Webhook.Collect;

/// <summary>
/// The API calls made for one alert: all share its deadline and the process-wide call limit, and each
/// failure becomes a named gap instead of an exception. Only the caller's own cancellation propagates.
/// </summary>
public sealed class CollectRun(IKubernetesApi api, ApiCallLimiter limiter, TimeSpan deadline, CancellationToken deadlineToken, CancellationToken callerToken)
{
    readonly ConcurrentQueue<string> gaps = new();

    public IKubernetesApi Api => api;

    /// <summary>Names the gap for a failed call, telling the alert's deadline apart from one request's timeout.</summary>
    public string Describe(string part, Exception error) =>
        ApiGaps.Describe(part, error, deadlineToken.IsCancellationRequested ? deadline : null);
    public IReadOnlyList<string> Gaps => gaps.ToArray();

    public void AddGap(string gap) => gaps.Enqueue(gap);

    /// <summary>The call's result, or null with a gap named after <paramref name="part"/> (or by <paramref name="describe"/>).</summary>
    public async Task<T?> TryAsync<T>(string part, Func<IKubernetesApi, CancellationToken, Task<T>> call,
        Func<Exception, string?>? describe = null) where T : class
    {
        var (result, error) = await TryGetAsync(call);
        if (error is not null)
            AddGap(describe?.Invoke(error) ?? Describe(part, error));
        return result;
    }

    /// <summary>The call's result or its failure, leaving the gap to the caller.</summary>
    public async Task<(T? Result, Exception? Error)> TryGetAsync<T>(Func<IKubernetesApi, CancellationToken, Task<T>> call) where T : class
    {
        try
        {
            var result = await limiter.RunAsync(c => call(api, c), deadlineToken);
            KubernetesMetrics.Record(null);
            return (result, null);
        }
        catch (Exception e) when (!callerToken.IsCancellationRequested)
        {
            KubernetesMetrics.Record(e);
            return (null, e);
        }
    }
}
