using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webhook.Alerts;
using Webhook.Collect;
using Webhook.Pipeline;

namespace Webhook.TestHost;

/// <summary>What load tests change in the service, applied from outside it: the shipped service has neither.</summary>
public static class LoadTestSwitches
{
    /// <summary>
    /// Alerts are accepted and stored but never processed: the pipeline workers are not started. For measuring the
    /// intake alone, and for tests that look at the inbox as the intake left it.
    /// </summary>
    public static IWebHostBuilder WithoutPipeline(this IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services =>
            services.RemoveAll<IHostedService>(d => d.ImplementationType == typeof(PipelineWorker)));

    /// <summary>
    /// /bench/noop only reads the body (the bare framework); /bench/intake-without-commit does everything POST /alerts
    /// does (auth, parse, checks, keys, storage JSON, metrics) except the durable commit, so tests/bench/intake.sh
    /// can tell the request path's cost from the commit's in one process and run.
    /// </summary>
    public static IWebHostBuilder WithBenchmarkEndpoints(this IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, BenchmarkEndpoints>());

    /// <summary>
    /// The collector returns one snapshot, read at start from the first bundle under FOLDER (as tests/bench/storm.sh
    /// writes them: pods of one Deployment with the same crash), for every alert, instead of asking a Kubernetes
    /// API: a storm through the rest of the pipeline (classification, storage, delivery) without collection, to
    /// compare with the same storm collected from the replay API server.
    /// </summary>
    public static IWebHostBuilder WithPreparedSnapshots(this IWebHostBuilder builder, string folder) =>
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IPodCollector>(_ => true);
            var bundle = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).First(d => File.Exists(Path.Combine(d, "pod.json")));
            services.AddSingleton<IPodCollector>(new PreparedCollector(AsCollected(Webhook.Bundles.BundleReader.Read(bundle))));
        });

    /// <summary>The logs cut as the collector cuts them (Kubernetes:Logs tail lines): a bundle keeps up to 256 KB.</summary>
    static PodSnapshot AsCollected(PodSnapshot snapshot)
    {
        var limits = new LogOptions();
        return snapshot with { PreviousLog = Tail(snapshot.PreviousLog, limits.TailLines), CurrentLog = Tail(snapshot.CurrentLog, limits.CurrentTailLines) };

        static LogTail? Tail(LogTail? log, int lines)
        {
            if (log is null) return null;
            var all = log.Text.TrimEnd('\n').Split('\n');
            return all.Length <= lines ? log : log with { Text = string.Join('\n', all[^lines..]) + "\n", Truncated = true };
        }
    }

    /// <summary>
    /// The prepared snapshot under each alert's own pod name (a copy of the pod per name, made once): one pod object
    /// for all would make every alert the same pod to the stages after collection.
    /// </summary>
    sealed class PreparedCollector(PodSnapshot snapshot) : IPodCollector
    {
        readonly System.Collections.Concurrent.ConcurrentDictionary<string, PodSnapshot> byPod = new();

        public Task<PodSnapshot> CollectAsync(AlertContext alert, CancellationToken cancellationToken)
        {
            var forPod = byPod.GetOrAdd(alert.Pod ?? "", name =>
            {
                if (snapshot.Pod is null) return snapshot;
                var pod = k8s.KubernetesJson.Deserialize<k8s.Models.V1Pod>(k8s.KubernetesJson.Serialize(snapshot.Pod));
                pod.Metadata.Name = name;
                pod.Metadata.Uid = name;
                return snapshot with { Pod = pod };
            });
            // Log objects of each collection's own (the same text), as a collector returns them: the classifier reads a
            // log once per log object, so one shared by every alert would be read once for the whole storm, and one
            // kept per pod here would keep its reading alive for the whole run.
            return Task.FromResult(forPod with { PreviousLog = forPod.PreviousLog is { } previous ? previous with { } : null,
                CurrentLog = forPod.CurrentLog is { } current ? current with { } : null });
        }
    }

    static void RemoveAll<T>(this IServiceCollection services, Func<ServiceDescriptor, bool> match)
    {
        foreach (var descriptor in services.Where(d => d.ServiceType == typeof(T) && match(d)).ToList())
            services.Remove(descriptor);
    }

    sealed class BenchmarkEndpoints : IStartupFilter
    {
        // After the service's own pipeline: a request none of its endpoints matches falls through to these, so
        // POST /alerts takes exactly the shipped path, and the no-op goes through the same middleware as before.
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.UseRouting();
            app.UseEndpoints(endpoints =>
            {
                var bench = endpoints.MapGroup("/bench");
                bench.MapPost("/noop", async (HttpRequest request) =>
                {
                    await request.Body.CopyToAsync(Stream.Null);
                    return TypedResults.Accepted((string?)null);
                });
                bench.MapPost("/intake-without-commit", async http =>
                {
                    var intake = http.RequestServices.GetRequiredService<IntakeHandler>();
                    var (received, problem) = await intake.ReceiveAsync(http, Notify.DestinationRegistry.DefaultRoute);
                    if (problem is not null) await problem.ExecuteAsync(http);
                    else IntakeHandler.WriteAccepted(http.Response, new IntakeResult(received!.Items.Count, 0, received.Ignored));
                });
            });
        };
    }
}
