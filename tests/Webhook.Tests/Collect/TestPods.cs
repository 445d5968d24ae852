using k8s.Models;

namespace Webhook.Tests.Collect;

/// <summary>Pods and objects shaped like what a real cluster returns for a crash-looping workload.</summary>
static class TestPods
{
    public const string Ns = "shop";
    public const string Node = "node-a";

    public static V1Pod Pod(string name, params V1Container[] containers) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns, Uid = $"uid-{name}" },
        Spec = new V1PodSpec { Containers = containers, NodeName = Node, RestartPolicy = "Always" },
        Status = new V1PodStatus { Phase = "Running", ContainerStatuses = containers.Select(c => Running(c.Name)).ToList() },
    };

    public static V1Container Container(string name, string image = "registry.example/api:1.9.0") => new() { Name = name, Image = image };

    public static V1ContainerStatus Running(string name, int restarts = 0) => new()
    {
        Name = name, Image = "img", ImageID = "id", Ready = true, RestartCount = restarts,
        State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } },
    };

    public static V1ContainerStatus CrashLooping(string name, int restarts, int exitCode, string reason, string? message = null) => new()
    {
        Name = name, Image = "img", ImageID = "id", Ready = false, RestartCount = restarts,
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff", Message = "back-off 5m0s restarting failed container" } },
        LastState = new V1ContainerState
        {
            Terminated = new V1ContainerStateTerminated
            {
                ExitCode = exitCode, Reason = reason, Message = message,
                StartedAt = DateTime.UtcNow.AddMinutes(-1), FinishedAt = DateTime.UtcNow.AddSeconds(-30),
            },
        },
    };

    public static Corev1Event Event(string pod, string reason, string message, int minutesAgo = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{pod}.{reason.ToLowerInvariant()}{minutesAgo}", NamespaceProperty = Ns },
        InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = pod, NamespaceProperty = Ns },
        Reason = reason, Message = message, Type = reason == "BackOff" ? "Warning" : "Normal",
        Source = new V1EventSource { Component = "kubelet" },
        LastTimestamp = DateTime.UtcNow.AddMinutes(-minutesAgo),
    };

    public static V1Node NodeObject(bool memoryPressure = false) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = Node },
        Status = new V1NodeStatus
        {
            Allocatable = new Dictionary<string, ResourceQuantity> { ["memory"] = new("7901Mi"), ["cpu"] = new("3920m") },
            Conditions =
            [
                new V1NodeCondition { Type = "MemoryPressure", Status = memoryPressure ? "True" : "False" },
                new V1NodeCondition { Type = "DiskPressure", Status = "False" },
                new V1NodeCondition { Type = "Ready", Status = "True" },
            ],
        },
    };
}
