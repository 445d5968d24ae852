using k8s.Models;
using Webhook.Alerts;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Notify;

namespace Webhook.Tests.Notify;

/// <summary>One realistic notification per cause, as the classifier would produce it.</summary>
public static class Samples
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 20, 41, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, (string Summary, int Exit, string Reason, string[] Evidence, string LogTail, string[] Remediation)> ByCause = new()
    {
        [Causes.OomKilled] = ("The container was OOM killed at its 256Mi memory limit.", 137, "OOMKilled",
            ["pod.status: lastState.terminated.reason OOMKilled, exit 137"], "loading catalogue into memory\nallocated 240Mi",
            ["Raise resources.limits.memory above the peak working set", "Check for a memory leak in the catalogue cache"]),
        [Causes.ProbeFailure] = ("The liveness probe on :8080/healthz kept failing, so kubelet restarted the container.", 137, "Error",
            ["event: Liveness probe failed: HTTP probe failed with statuscode: 500", "event: Container api failed liveness probe, will be restarted"],
            "GET /healthz 500 12ms\nGET /healthz 500 9ms", ["Give the app a startupProbe or a longer initialDelaySeconds", "Make /healthz not depend on the database"]),
        [Causes.BadCommand] = ("The entrypoint \"/app/server\" does not exist in the image.", 128, "StartError",
            ["pod.status: exec: \"/app/server\": executable file not found in $PATH"], "", ["Fix command/args in the pod spec", "Check the image's ENTRYPOINT"]),
        [Causes.WrongArchitecture] = ("The image's binary is built for arm64 but the node is amd64.", 255, "Error",
            ["log: exec /app: exec format error"], "exec /app: exec format error", ["Build a multi-arch image (docker buildx --platform linux/amd64,linux/arm64)"]),
        [Causes.CleanExit] = ("The main process exits with code 0 after starting; restartPolicy Always restarts it.", 0, "Completed",
            ["pod.status: exit code 0, reason Completed"], "starting daemon in background\ndone", ["Run the process in the foreground (no & or daemon mode)"]),
        [Causes.NativeCrash] = ("The process died of SIGSEGV (segmentation fault).", 139, "Error",
            ["log: Segmentation fault (core dumped)"], "Segmentation fault (core dumped)", ["Check native libraries against the base image's libc"]),
        [Causes.RuntimeOutOfMemory] = ("The JVM ran out of heap: java.lang.OutOfMemoryError.", 1, "Error",
            ["log: java.lang.OutOfMemoryError: Java heap space"], "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n\tat com.shop.Catalog.load(Catalog.java:42)",
            ["Raise -Xmx or use -XX:MaxRAMPercentage=75", "Find what holds the heap with a heap dump"]),
        [Causes.PermissionDenied] = ("The process cannot write /data: permission denied.", 1, "Error",
            ["log: open /data/state.db: permission denied"], "open /data/state.db: permission denied", ["Set fsGroup in the pod securityContext"]),
        [Causes.ConfigError] = ("The required environment variable DATABASE_URL is not set.", 1, "Error",
            ["log: KeyError: 'DATABASE_URL'"], "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\nKeyError: 'DATABASE_URL'",
            ["Add DATABASE_URL to the Deployment's env or its Secret", "kubectl -n shop get secret api-env -o yaml"]),
        [Causes.DependencyUnavailable] = ("Postgres at db:5432 refused the connection on startup.", 1, "Error",
            ["log: dial tcp 10.0.3.4:5432: connect: connection refused"], "dial tcp 10.0.3.4:5432: connect: connection refused", ["Check the db Service and its endpoints", "Add retries with backoff on startup"]),
        [Causes.ApplicationError] = ("An unhandled NullReferenceException crashed the app.", 134, "Error",
            ["log: Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object."],
            "Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object.\n   at Shop.Api.Startup.Configure()",
            ["Fix the null dereference in Startup.Configure"]),
        [Causes.Unknown] = ("The evidence does not show why the container exits with code 1.", 1, "Error",
            [], "", ["kubectl -n shop logs api-7d9f8b6c4-x2x9q -c api --previous"]),
    };

    public static IEnumerable<string> Causes_ => ByCause.Keys;

    public static Notification For(string cause, string? log = null, IDictionary<string, string>? extraLabels = null,
        string status = "firing", string pod = "api-7d9f8b6c4-x2x9q", string workload = "api", string ns = "shop",
        string groupKey = "{}:{alertname=\"KubePodCrashLooping\"}", int groupSize = 1, string? fingerprint = null)
    {
        var s = ByCause[cause];
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = "KubePodCrashLooping", ["namespace"] = ns, ["pod"] = pod, ["container"] = "api",
            ["severity"] = "warning", ["job"] = "kube-state-metrics",
        };
        foreach (var (k, v) in extraLabels ?? new Dictionary<string, string>()) labels[k] = v;
        var alert = new AlertContext
        {
            Route = "default", Status = status, Labels = labels,
            Annotations = new Dictionary<string, string>
            {
                ["summary"] = "Pod is crash looping.",
                ["runbook_url"] = "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping",
            },
            StartsAt = Start, EndsAt = status == "resolved" ? Start.AddMinutes(133) : null,
            GeneratorUrl = "http://prometheus.monitoring:9090/graph?g0.expr=kube_pod_container_status_waiting_reason",
            Fingerprint = fingerprint ?? $"fp-{ns}-{pod}", GroupKey = groupKey, ExternalUrl = "http://alertmanager.monitoring:9093",
            GroupSize = groupSize,
        };
        var text = log ?? string.Join('\n', Enumerable.Range(1, 6).Select(i => $"2026-11-24T20:40:0{i}Z INFO starting step {i}")) + "\n" + s.LogTail;
        var pod_ = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = pod, NamespaceProperty = ns },
            Spec = new V1PodSpec { NodeName = "node-a-1", Containers = [new V1Container { Name = "api", Image = "registry.example/shop/api:1.9.0" }] },
            Status = new V1PodStatus
            {
                ContainerStatuses =
                [
                    new V1ContainerStatus
                    {
                        Name = "api", Image = "registry.example/shop/api:1.9.0", ImageID = "", Ready = false, RestartCount = 12,
                        LastState = new V1ContainerState
                        {
                            Terminated = new V1ContainerStateTerminated
                            {
                                ExitCode = s.Exit, Reason = s.Reason,
                                StartedAt = Start.UtcDateTime.AddMinutes(-1), FinishedAt = Start.UtcDateTime.AddMinutes(-1).AddSeconds(28),
                            },
                        },
                    },
                ],
            },
        };
        var snapshot = new PodSnapshot
        {
            Namespace = ns, PodName = pod, Container = "api", Pod = pod_,
            PreviousLog = string.IsNullOrEmpty(text.Trim()) ? null : new LogTail(text, LogSource.Previous),
            Workload = new WorkloadInfo { Kind = "Deployment", Name = workload, Revision = "7", Changes = ["image api:1.8.2 → api:1.9.0"] },
            Node = new NodeInfo { Name = "node-a-1" },
        };
        var diagnosis = new CrashDiagnosis
        {
            Cause = cause, Confidence = cause == Causes.Unknown ? 0.2 : 0.9, Summary = s.Summary,
            Evidence = s.Evidence.Select(e => new Evidence(e[..e.IndexOf(':')], e[(e.IndexOf(':') + 2)..])).ToList(),
            Remediation = s.Remediation,
            Commands = [$"kubectl -n {ns} describe pod {pod}", $"kubectl -n {ns} logs {pod} -c api --previous"],
            Container = "api", ExitCode = s.Exit, RestartCount = 12,
            Missing = cause == Causes.Unknown ? ["no previous log"] : [],
        };
        return new Notification(alert, snapshot, diagnosis, $"idem-{alert.Fingerprint}-{status}");
    }
}
