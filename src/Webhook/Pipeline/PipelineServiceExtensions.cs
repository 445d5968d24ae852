using Webhook.Operations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Notify;

namespace Webhook.Pipeline;

public static class PipelineServiceExtensions
{
    public static IServiceCollection AddPipeline(this IServiceCollection services)
    {
        services.AddValidatedOptions<PipelineOptions>(PipelineOptions.Section, (o, s) => s.Bind(o));
        services.TryAddSingleton(TimeProvider.System);
        // Fallbacks: the Kubernetes collector and the classifier replace these when registered.
        services.TryAddSingleton<IPodCollector, AlertOnlyCollector>();
        services.TryAddSingleton<ICrashClassifier, UnknownClassifier>();
        services.TryAddSingleton<IInvestigator, NoInvestigation>();
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<DeliveryStage>();
        services.AddSingleton<AlertProcessor>();
        services.AddHostedService<PipelineWorker>();
        // The host waits for the workers' grace, and a little for what stops after them (the inbox's last commits).
        services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<PipelineOptions>>((host, pipeline) =>
            host.ShutdownTimeout = pipeline.Value.ShutdownGrace + TimeSpan.FromSeconds(5));
        return services;
    }
}
