using Microsoft.Extensions.Options;

namespace Webhook.Collect;

public static class CollectServiceExtensions
{
    /// <summary>The Kubernetes collector, its options (section "Kubernetes", validated at start) and the one start-up check.</summary>
    public static IServiceCollection AddPodCollector(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KubernetesOptions>().Bind(configuration.GetSection(KubernetesOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KubernetesOptions>, KubernetesOptionsValidator>();
        services.AddSingleton(sp => new ApiCallLimiter(Options(sp).MaxConcurrentCalls));
        // Objects many alerts share (owners, node, follow-ups) are read once per short window per cluster: a storm of one
        // workload costs the pod's own reads per alert, not the owner chain's.
        services.AddSingleton(sp => new KubernetesConnections(Options(sp), sp.GetRequiredService<ILogger<KubernetesConnections>>(),
            share: api => new SharedReadsApi(api, new SharedReadCache(TimeProvider.System, SharedReadCache.DefaultWindow))));
        services.AddSingleton<IPodCollector>(sp => new KubernetesPodCollector(
            sp.GetRequiredService<KubernetesConnections>(), sp.GetRequiredService<ApiCallLimiter>(), Options(sp),
            sp.GetRequiredService<ILogger<KubernetesPodCollector>>()));
        // Follow-up reads (Investigate): same connections, limit and deadline; shared answers kept 30 s for storms.
        services.AddSingleton(sp => new AnswerCache(TimeProvider.System, AnswerCache.DefaultWindow));
        services.AddSingleton<IInvestigator>(sp => new KubernetesInvestigator(
            sp.GetRequiredService<KubernetesConnections>(), sp.GetRequiredService<ApiCallLimiter>(), Options(sp),
            sp.GetRequiredService<AnswerCache>(), sp.GetRequiredService<ILogger<KubernetesInvestigator>>()));
        services.AddHostedService<KubernetesStartupCheck>();
        return services;
    }

    static KubernetesOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<KubernetesOptions>>().Value;
}

/// <summary>Finds the cluster while the host starts, so "no cluster" is one warning at start, not a surprise at the first alert.</summary>
sealed class KubernetesStartupCheck(KubernetesConnections connections) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = connections.Unavailable;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
