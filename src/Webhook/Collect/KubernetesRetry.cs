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
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = options.RetryAttempts,
            Delay = options.RetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            // A long Retry-After would outlive the alert's deadline anyway.
            MaxDelay = TimeSpan.FromSeconds(2),
        };
        retry.DisableForUnsafeHttpMethods();
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(retry).Build();
        return [new ResilienceHandler(pipeline)];
    }
}
