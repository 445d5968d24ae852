using BenchmarkDotNet.Attributes;
using k8s.Models;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Benchmarks;

/// <summary>
/// Classification of a typical crash (about 200 log lines ending in a Java Caused-by chain) and of a
/// 10 MB log: the second must cost about what the first does, since only a bounded tail is read.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ClassifierBenchmarks
{
    readonly CrashClassifier classifier = new();
    PodSnapshot typical = null!;
    PodSnapshot huge = null!;

    [GlobalSetup]
    public void Setup()
    {
        typical = Snapshot(Log(lines: 170));
        var filler = string.Concat(Enumerable.Repeat("2026-11-24 20:00:01.123 INFO  [http-nio-8080-exec-3] c.e.orders.OrderController : GET /api/orders/42 200 in 3ms\n", 95_000));
        huge = Snapshot(filler + Log(lines: 170));
    }

    [Benchmark(Baseline = true)]
    public CrashDiagnosis TypicalBundle() => classifier.Classify(typical);

    [Benchmark]
    public CrashDiagnosis TenMegabyteLog() => classifier.Classify(huge);

    static string Log(int lines)
    {
        var info = Enumerable.Range(0, lines).Select(i => $"2026-11-24 20:00:{i % 60:00}.123 INFO  [main] c.e.orders.Startup : step {i} done");
        var trace = new[]
        {
            "org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'dataSource'",
            "\tat org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory.initializeBean(AbstractAutowireCapableBeanFactory.java:1804)",
            "\tat org.springframework.boot.SpringApplication.run(SpringApplication.java:1306)",
            "Caused by: org.postgresql.util.PSQLException: Connection to postgres:5432 refused. Check that the hostname and port are correct.",
        }.Concat(Enumerable.Range(0, 25).Select(i => $"\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:{300 + i})"));
        return string.Join('\n', info.Concat(trace)) + "\n";
    }

    static PodSnapshot Snapshot(string log) => new()
    {
        Namespace = "shop",
        PodName = "orders-6c9f",
        Container = "app",
        Pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "orders-6c9f", NamespaceProperty = "shop" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "orders:2.3.1" }] },
            Status = new V1PodStatus
            {
                ContainerStatuses =
                [
                    new V1ContainerStatus
                    {
                        Name = "app", Image = "orders:2.3.1", ImageID = "", RestartCount = 9,
                        LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error" } },
                    },
                ],
            },
        },
        PreviousLog = new LogTail(log, LogSource.Previous),
    };
}
