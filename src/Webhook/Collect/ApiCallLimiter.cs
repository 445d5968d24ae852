namespace Webhook.Collect;

/// <summary>One process-wide cap on Kubernetes API calls in flight, shared by all alerts and clusters.</summary>
public sealed class ApiCallLimiter(int maxConcurrentCalls) : IDisposable
{
    readonly SemaphoreSlim slots = new(maxConcurrentCalls, maxConcurrentCalls);

    /// <summary>Runs <paramref name="call"/> holding a slot for its whole duration, including reading a streamed body.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        await slots.WaitAsync(ct);
        try
        {
            return await call(ct);
        }
        finally
        {
            slots.Release();
        }
    }

    public void Dispose() => slots.Dispose();
}
