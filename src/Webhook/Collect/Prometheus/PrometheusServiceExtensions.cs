using Microsoft.Extensions.Options;

namespace Webhook.Collect.Prometheus;

public static class PrometheusServiceExtensions
{
    /// <summary>
    /// Memory history for OOM-like diagnoses: options (section "Prometheus", validated at start), the Prometheus client
    /// when Prometheus:Url is set (a named HttpClient with the Kubernetes GETs' resilience), and the stage itself, which
    /// falls back to metrics.k8s.io through the collector's connections.
    /// </summary>
    public static IServiceCollection AddMemoryHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PrometheusOptions>().Bind(configuration.GetSection(PrometheusOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PrometheusOptions>, PrometheusOptionsValidator>();
        services.AddHttpClient(PrometheusApi.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(sp => PrometheusApi.Resilience(Options(sp)))
            .RemoveAllLoggers();
        services.AddSingleton(sp =>
        {
            var options = Options(sp);
            var kubernetes = sp.GetService<IOptions<KubernetesOptions>>()?.Value ?? new KubernetesOptions();
            IPrometheusApi? api = options.Enabled
                ? new PrometheusApi(sp.GetRequiredService<IHttpClientFactory>(), new Uri(options.Url!))
                : null;
            return new MemoryHistory(api, options, sp.GetService<KubernetesConnections>(),
                sp.GetService<ApiCallLimiter>() ?? new ApiCallLimiter(kubernetes.MaxConcurrentCalls), kubernetes.Deadline,
                sp.GetService<TimeProvider>() ?? TimeProvider.System);
        });
        return services;
    }

    static PrometheusOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<PrometheusOptions>>().Value;
}
