using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Webhook.Collect;

/// <summary>
/// Retries of GETs on 429, 5xx and transport errors, as a DelegatingHandler: KubernetesClient builds its own
/// HttpClient, so <c>ConfigureHttpClientDefaults</c> never reaches it; handlers passed to its constructor do.
/// </summary>
public static class KubernetesRetry
{
    public static System.Net.Http.DelegatingHandler[] Handlers(KubernetesOptions options)
    {
        if (options.RetryAttempts == 0)
            return [];
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(ForGets(options.RetryAttempts, options.RetryDelay)).Build();
        return [new ResilienceHandler(pipeline)];
    }

    /// <summary>The retry of a read-only call (Kubernetes GETs, Prometheus queries): bounded, jittered, short.</summary>
    public static HttpRetryStrategyOptions ForGets(int attempts, TimeSpan delay)
    {
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = attempts,
            Delay = delay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            // A long Retry-After would outlive the alert's deadline anyway.
            MaxDelay = TimeSpan.FromSeconds(2),
        };
        retry.DisableForUnsafeHttpMethods();
        return retry;
    }
}
