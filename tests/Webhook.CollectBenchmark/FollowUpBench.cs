using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Replay;

namespace Webhook.CollectBenchmark;

/// <summary>
/// Extra API calls of the Investigate stage per alert, for one alert and for a storm of pods over workloads that all
/// fail to reach their own database Service (0 ready endpoints, its pod OOM killed), and the stage's p50/p99.
/// </summary>
static partial class FollowUpBench
{
    public static async Task RunAsync(int pods, int workloads, int rounds)
    {
        var root = Directory.CreateTempSubdirectory("followup-bench-").FullName;
        try
        {
            var names = Write(root, pods, workloads);
            await using var server = await ReplayServer.StartAsync(BundleStore.Discover(root));
            var options = new KubernetesOptions { Server = server.Url.ToString() };
            var classifier = new CrashClassifier();
            Console.WriteLine($"follow-ups: {pods} pods over {workloads} workloads, replay server {server.Url}, {Environment.ProcessorCount} cores");

            using (var single = new StandaloneCollector(options))
            {
                var before = FollowUps(server);
                var snapshot = await single.CollectAndFollowUpAsync("bench", names[0], "app", classifier, default);
                var finding = classifier.Classify(snapshot).Findings.FirstOrDefault(f => f.Kind == FindingKinds.ServiceEndpoints)?.Text;
                Console.WriteLine($"single alert: {FollowUps(server) - before} extra API calls, {snapshot.Objects.Count} objects; \"{finding}\"");
            }

            // The stage alone, every answer fetched (no cache), one alert at a time.
            using (var collector = new StandaloneCollector(options))
            {
                var investigator = new KubernetesInvestigator(collector.Connections, new ApiCallLimiter(options.MaxConcurrentCalls), options,
                    new AnswerCache(TimeProvider.System, TimeSpan.Zero), NullLogger<KubernetesInvestigator>.Instance);
                var times = new double[rounds];
                for (var i = -20; i < rounds; i++)
                {
                    var alert = StandaloneCollector.ManualAlert("bench", names[Math.Abs(i) % names.Count], "app");
                    var snapshot = await collector.CollectAsync(alert, default);
                    var start = Stopwatch.GetTimestamp();
                    await investigator.FollowUpAsync(classifier, alert, snapshot, TimeSpan.Zero, default);
                    if (i >= 0) times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                Array.Sort(times);
                Console.WriteLine($"investigate stage (sequential, no cache, {rounds} alerts): p50 {P(times, 50):0.00} ms, p99 {P(times, 99):0.00} ms");
            }

            using (var storm = new StandaloneCollector(options))
            {
                var before = FollowUps(server);
                var start = Stopwatch.GetTimestamp();
                var snapshots = new System.Collections.Concurrent.ConcurrentBag<PodSnapshot>();
                // As the pipeline runs them: a few workers (Pipeline:Workers, default 4), 16 here.
                await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 },
                    async (p, ct) => snapshots.Add(await storm.CollectAndFollowUpAsync("bench", p, "app", classifier, ct)));
                var calls = FollowUps(server) - before;
                var gaps = snapshots.SelectMany(s => s.Gaps).Where(g => g.StartsWith("follow-up", StringComparison.Ordinal)).ToList();
                Console.WriteLine($"storm: {pods} alerts, 16 at a time, in {Stopwatch.GetElapsedTime(start).TotalMilliseconds:0} ms: {calls} extra API calls " +
                    $"({(double)calls / pods:0.00} per alert, 30 s cache), {snapshots.Average(s => s.Objects.Count):0.0} objects per alert; follow-up gaps {gaps.Count}"
                    + (gaps.Count > 0 ? $" (e.g. {gaps[0]})" : ""));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    static int FollowUps(ReplayServer server) => server.Stats.Requests.Count(r => FollowUpPath().IsMatch(r));

    [GeneratedRegex(@"/services|/endpointslices|/configmaps|/controllerrevisions|/pods\?|/deployments/|/statefulsets/|/daemonsets/")]
    private static partial Regex FollowUpPath();

    static double P(double[] sorted, int p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];

    static List<string> Write(string root, int pods, int workloads)
    {
        var names = new List<string>();
        for (var i = 0; i < pods; i++)
        {
            var w = i % workloads;
            var pod = $"w{w}-7d9f-{i:00000}";
            var folder = Path.Combine(root, pod);
            Directory.CreateDirectory(Path.Combine(folder, "logs"));
            File.WriteAllText(Path.Combine(folder, "pod.json"), """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"POD","namespace":"bench","uid":"uid-POD","labels":{"app":"wW","pod-template-hash":"7d9f"},
                   "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"wW-7d9f","uid":"rs-wW","controller":true}]},
                 "spec":{"nodeName":"node-a","restartPolicy":"Always","containers":[{"name":"app","image":"registry.example/api:1.9.0"}]},
                 "status":{"phase":"Running","containerStatuses":[{"name":"app","image":"registry.example/api:1.9.0","imageID":"","ready":false,"restartCount":9,
                   "state":{"waiting":{"reason":"CrashLoopBackOff"}},
                   "lastState":{"terminated":{"exitCode":1,"reason":"Error","startedAt":"2026-11-24T20:50:00Z","finishedAt":"2026-11-24T20:51:00Z"}}}]}}
                """.Replace("POD", pod).Replace("wW", $"w{w}"));
            File.WriteAllText(Path.Combine(folder, "logs", "app.previous.log"), $"starting\nFATAL: dial tcp db-{w}:5432: connect: connection refused\n");
            if (i < workloads) WriteWorkload(folder, w, pods / workloads);
            names.Add(pod);
        }
        return names;
    }

    /// <summary>Deployment wW with its Service and slice, and its database db-W: a Service with 0 ready endpoints and its OOM-killed pod.</summary>
    static void WriteWorkload(string folder, int w, int replicas)
    {
        var objects = Path.Combine(folder, "objects");
        Directory.CreateDirectory(objects);
        void Put(string key, string json) => File.WriteAllText(Path.Combine(objects, key + ".json"), json.Replace("wW", $"w{w}").Replace("db-W", $"db-{w}").Replace("REPLICAS", $"{replicas}"));
        Put($"Deployment.bench.w{w}", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"wW","namespace":"bench"},"spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"wW"}},"template":{}},"status":{"readyReplicas":0,"updatedReplicas":REPLICAS}}""");
        foreach (var svc in new[] { "wW", "db-W" })
        {
            Put($"Service.bench.{svc}".Replace("wW", $"w{w}").Replace("db-W", $"db-{w}"), """{"apiVersion":"v1","kind":"Service","metadata":{"name":"SVC","namespace":"bench"},"spec":{"selector":{"app":"SVC"},"ports":[{"port":5432}]}}""".Replace("SVC", svc));
            Put($"EndpointSlice.bench.{svc}-x".Replace("wW", $"w{w}").Replace("db-W", $"db-{w}"), """{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","addressType":"IPv4","metadata":{"name":"SVC-x","namespace":"bench","labels":{"kubernetes.io/service-name":"SVC"}},"endpoints":[{"addresses":["10.1.0.1"],"conditions":{"ready":false}}]}""".Replace("SVC", svc));
        }
        Put($"Pod.bench.db-{w}-0", """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"db-W-0","namespace":"bench","labels":{"app":"db-W"}},
             "spec":{"containers":[{"name":"postgres","image":"postgres:16","resources":{"limits":{"memory":"256Mi"}}}]},
             "status":{"phase":"Running","containerStatuses":[{"name":"postgres","image":"postgres:16","imageID":"","ready":false,"restartCount":14,
               "state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}}
            """);
    }
}
