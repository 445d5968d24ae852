using k8s.Models;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>Builds plain snapshots for rule tests: one pod "api-7d9f" with container "app" that crashed.</summary>
public sealed record Crash
{
    public static readonly DateTime Started = new(2026, 11, 24, 20, 0, 0, DateTimeKind.Utc);

    public int ExitCode { get; init; } = 1;
    public string? Reason { get; init; } = "Error";
    public string? Message { get; init; }
    public TimeSpan Ran { get; init; } = TimeSpan.FromSeconds(40);
    public string? WaitingReason { get; init; } = "CrashLoopBackOff";
    public string? WaitingMessage { get; init; }
    public string? Log { get; init; }
    public string? MemoryLimit { get; init; }
    public string RestartPolicy { get; init; } = "Always";
    public bool Init { get; init; }
    public bool NoTerminated { get; init; }
    public V1Probe? Liveness { get; init; }
    public V1Probe? Readiness { get; init; }
    public V1Probe? Startup { get; init; }
    public string Image { get; init; } = "registry.example/api:1.4.2";
    public IList<string>? Command { get; init; } = ["/app/server"];
    public IList<string>? Args { get; init; } = ["--port", "8080"];
    public IList<V1ContainerPort>? Ports { get; init; } = [new V1ContainerPort { ContainerPort = 8080 }];
    public string? MemoryRequest { get; init; }
    /// <summary>The workload the collector resolved (kind, name, revision, template changes).</summary>
    public WorkloadInfo? Workload { get; init; }
    /// <summary>The Deployment that owns the pod, through a ReplicaSet "NAME-7d9f" and the pod-template-hash label.</summary>
    public string? Deployment { get; init; }
    public IList<V1EnvVar>? Env { get; init; }
    public IList<V1EnvFromSource>? EnvFrom { get; init; }
    public V1SecurityContext? SecurityContext { get; init; }
    public List<Corev1Event> Events { get; init; } = [];

    public static Corev1Event Event(string reason, string message, int secondsAfterStart = 30, string type = "Warning") => new()
    {
        Reason = reason,
        Message = message,
        Type = type,
        Count = 1,
        FirstTimestamp = Started.AddSeconds(secondsAfterStart),
        LastTimestamp = Started.AddSeconds(secondsAfterStart),
        InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "api-7d9f", FieldPath = "spec.containers{app}" },
    };

    public PodSnapshot Snapshot()
    {
        var container = new V1Container
        {
            Name = "app",
            Image = Image,
            Command = Command,
            Args = Args,
            Ports = Ports,
            LivenessProbe = Liveness,
            ReadinessProbe = Readiness,
            StartupProbe = Startup,
            Env = Env,
            EnvFrom = EnvFrom,
            SecurityContext = SecurityContext,
            Resources = MemoryLimit is null && MemoryRequest is null ? null : new V1ResourceRequirements
            {
                Limits = MemoryLimit is null ? null : new Dictionary<string, ResourceQuantity> { ["memory"] = new(MemoryLimit) },
                Requests = MemoryRequest is null ? null : new Dictionary<string, ResourceQuantity> { ["memory"] = new(MemoryRequest) },
            },
        };
        var status = new V1ContainerStatus
        {
            Name = "app",
            Image = container.Image,
            ImageID = "",
            Ready = false,
            RestartCount = 7,
            LastState = NoTerminated ? null : new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated
                {
                    ExitCode = ExitCode, Reason = Reason, Message = Message, StartedAt = Started, FinishedAt = Started + Ran,
                },
            },
            State = new V1ContainerState { Waiting = WaitingReason is null ? null : new V1ContainerStateWaiting { Reason = WaitingReason, Message = WaitingMessage } },
        };
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "api-7d9f",
                NamespaceProperty = "shop",
                Labels = Deployment is null ? null : new Dictionary<string, string> { ["pod-template-hash"] = "7d9f" },
                OwnerReferences = Deployment is null ? null :
                    [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = $"{Deployment}-7d9f", Uid = "u-1", Controller = true }],
            },
            Spec = new V1PodSpec
            {
                RestartPolicy = RestartPolicy,
                NodeName = "node-1",
                Containers = Init ? [new V1Container { Name = "main", Image = "main:1" }] : [container],
                InitContainers = Init ? [container] : null,
            },
            Status = new V1PodStatus
            {
                ContainerStatuses = Init ? [] : [status],
                InitContainerStatuses = Init ? [status] : null,
            },
        };
        return new PodSnapshot
        {
            Namespace = "shop",
            PodName = "api-7d9f",
            Container = "app",
            Pod = pod,
            Events = Events,
            PreviousLog = Log is null ? null : new LogTail(Log, LogSource.Previous),
            Workload = Workload,
        };
    }

    public CrashFacts Facts(ClassifierOptions? options = null) => CrashFacts.From(Snapshot(), options ?? new ClassifierOptions());

    public CrashDiagnosis Classify() => new CrashClassifier().Classify(Snapshot());
}
