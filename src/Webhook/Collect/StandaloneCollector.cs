using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Webhook.Alerts;

namespace Webhook.Collect;

/// <summary>
/// The collector without the web host, for the command line (<c>capture</c>, <c>diagnose --namespace</c>),
/// the benchmark and tests: validates the options the same way and owns the connections it opens.
/// </summary>
public sealed class StandaloneCollector : IPodCollector, IDisposable
{
    readonly ApiCallLimiter limiter;
    readonly KubernetesPodCollector collector;
    readonly KubernetesInvestigator investigator;

    public StandaloneCollector(KubernetesOptions options, ILoggerFactory? loggerFactory = null, ClusterEnvironment? environment = null)
    {
        var result = new KubernetesOptionsValidator().Validate(null, options);
        if (result.Failed)
            throw new OptionsValidationException(KubernetesOptions.Section, typeof(KubernetesOptions), result.Failures);
        loggerFactory ??= NullLoggerFactory.Instance;
        Options = options;
        limiter = new ApiCallLimiter(options.MaxConcurrentCalls);
        Connections = new KubernetesConnections(options, loggerFactory.CreateLogger<KubernetesConnections>(), environment);
        collector = new KubernetesPodCollector(Connections, limiter, options, loggerFactory.CreateLogger<KubernetesPodCollector>());
        investigator = new KubernetesInvestigator(Connections, limiter, options, new AnswerCache(), loggerFactory.CreateLogger<KubernetesInvestigator>());
    }

    public KubernetesOptions Options { get; }
    public KubernetesConnections Connections { get; }

    public Task<PodSnapshot> CollectAsync(AlertContext alert, CancellationToken cancellationToken) =>
        collector.CollectAsync(alert, cancellationToken);

    /// <summary>Collects a pod named on the command line, as if an alert had named it.</summary>
    public Task<PodSnapshot> CollectAsync(string ns, string pod, string? container, CancellationToken cancellationToken) =>
        collector.CollectAsync(ManualAlert(ns, pod, container), cancellationToken);

    /// <summary>What the service does for an alert before it concludes: collect, classify, answer the follow-up questions.</summary>
    public async Task<PodSnapshot> CollectAndFollowUpAsync(string ns, string pod, string? container, Webhook.Diagnosis.ICrashClassifier classifier,
        CancellationToken cancellationToken)
    {
        var alert = ManualAlert(ns, pod, container);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var snapshot = await collector.CollectAsync(alert, cancellationToken);
        return await investigator.FollowUpAsync(classifier, alert, snapshot, System.Diagnostics.Stopwatch.GetElapsedTime(started), cancellationToken);
    }

    public static AlertContext ManualAlert(string ns, string pod, string? container = null) => new()
    {
        Route = "cli",
        Status = "firing",
        Labels = new Dictionary<string, string>
        {
            ["alertname"] = "KubePodCrashLooping", ["namespace"] = ns, ["pod"] = pod, ["container"] = container ?? "",
        },
        StartsAt = DateTimeOffset.UtcNow,
        Fingerprint = $"cli-{ns}-{pod}",
    };

    public void Dispose()
    {
        Connections.Dispose();
        limiter.Dispose();
    }
}
