using k8s.Models;
using Webhook.Collect;
using static Webhook.Tests.Collect.TestPods;

namespace Webhook.Tests.Collect;

public sealed class CollectorTests : IAsyncLifetime
{
    readonly ReplayHarness replay = new();

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await replay.DisposeAsync();

    [Fact]
    public async Task CollectsThePodItsEventsNodeAndTheAlertedContainersLogsInAMultiContainerPod()
    {
        var pod = Pod("api-7d9f-abcde", Container("api"), Container("envoy", "envoyproxy/envoy:v1.31"));
        pod.Status.ContainerStatuses = [CrashLooping("api", 12, 137, "OOMKilled"), Running("envoy")];
        replay.Bundle(pod)
            .Events(Event("api-7d9f-abcde", "BackOff", "Back-off restarting failed container api in pod api-7d9f-abcde_shop(uid)"),
                Event("other-pod", "BackOff", "not this pod"))
            .Log("api", "starting\nloading cache\n", previous: true)
            .Log("api", "starting again\n", previous: false)
            .Log("envoy", "envoy log that must not be used\n", previous: true)
            .Node(NodeObject(memoryPressure: true));
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("api-7d9f-abcde", "api");

        Assert.Empty(snapshot.Gaps);
        Assert.Equal("api", snapshot.Container);
        Assert.Equal(137, snapshot.Pod!.Status.ContainerStatuses.Single(s => s.Name == "api").LastState.Terminated.ExitCode);
        Assert.Equal("Back-off restarting failed container api in pod api-7d9f-abcde_shop(uid)", Assert.Single(snapshot.Events).Message);
        Assert.Equal(new LogTail("starting\nloading cache\n", LogSource.Previous), snapshot.PreviousLog);
        // With a previous log the fallback never reaches the current one: it is not read.
        Assert.Null(snapshot.CurrentLog);
        Assert.DoesNotContain(replay.Server!.Stats.Requests, r => r.Contains("previous=false", StringComparison.Ordinal));
        Assert.Equal(["MemoryPressure"], snapshot.Node!.Pressure);
        Assert.Equal("7901Mi", snapshot.Node.AllocatableMemory);
    }

    [Fact]
    public async Task AnInitContainerCrashLoopIsChosenWhenTheAlertNamesNoContainer()
    {
        var pod = Pod("worker-0", Container("worker"));
        pod.Spec.InitContainers = [Container("migrate", "registry.example/migrate:3")];
        pod.Status.InitContainerStatuses = [CrashLooping("migrate", 7, 1, "Error")];
        pod.Status.ContainerStatuses = [new V1ContainerStatus { Name = "worker", Image = "i", ImageID = "", Ready = false, RestartCount = 0 }];
        replay.Bundle(pod).Log("migrate", "psql: error: connection refused\n");
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("worker-0");

        Assert.Equal("migrate", snapshot.Container);
        Assert.Equal("psql: error: connection refused\n", snapshot.PreviousLog!.Text);
        Assert.Contains(replay.Server!.Stats.Requests, r => r.Contains("/log?container=migrate&") && r.Contains("previous=true"));
    }

    [Fact]
    public async Task ADeletedPodLeavesTheGapPodNoLongerExistsAndKeepsItsEvents()
    {
        var other = Pod("still-here", Container("app"));
        replay.Bundle(other).Events(Event("gone-pod", "BackOff", "Back-off restarting failed container app"));
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("gone-pod", "app");

        Assert.Null(snapshot.Pod);
        Assert.Equal(["pod no longer exists"], snapshot.Gaps);
        Assert.Single(snapshot.Events);
        Assert.Null(snapshot.PreviousLog);
    }

    [Fact]
    public async Task WithoutAPreviousLogTheTerminationMessageIsUsedAndTheGapSaysSo()
    {
        var pod = Pod("cfg-1", Container("app"));
        pod.Status.ContainerStatuses = [CrashLooping("app", 3, 1, "Error", message: "FATAL: environment variable DATABASE_URL is not set")];
        replay.Bundle(pod).Log("app", "current instance output\n", previous: false);
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("cfg-1", "app");

        Assert.Equal(LogSource.TerminationMessage, snapshot.PreviousLog!.Source);
        Assert.Equal("FATAL: environment variable DATABASE_URL is not set", snapshot.PreviousLog.Text);
        Assert.Equal(["previous log: no previous instance; used the last termination message of app"], snapshot.Gaps);
        Assert.Null(snapshot.CurrentLog);
    }

    [Fact]
    public async Task WithoutAPreviousLogOrTerminationMessageTheCurrentLogIsUsedAndTheGapSaysSo()
    {
        var pod = Pod("cur-1", Container("app"));
        replay.Bundle(pod).Log("app", "panic: nil map\n", previous: false);
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("cur-1", "app");

        Assert.Equal(new LogTail("panic: nil map\n", LogSource.Current), snapshot.PreviousLog);
        Assert.Equal(["previous log: no previous instance; used the current log of app"], snapshot.Gaps);
    }

    [Fact]
    public async Task AContainerLabelThePodDoesNotHaveIsNamedAsAGapRatherThanAMissingLog()
    {
        replay.Bundle(Pod("api-2", Container("api"))).Log("api", "boom\n");
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("api-2", "worker");

        Assert.Equal(["container 'worker' is not in the pod; no logs"], snapshot.Gaps);
        Assert.NotNull(snapshot.Pod);
    }

    [Fact]
    public async Task ForbiddenEventsLeaveTheGapEventsForbiddenAndTheRestIsCollected()
    {
        replay.Bundle(Pod("api-1", Container("api"))).Log("api", "boom\n");
        await replay.StartAsync();
        replay.Server!.Faults.Forbid("/events");

        var snapshot = await replay.CollectAsync("api-1", "api");

        Assert.Equal(["events: forbidden"], snapshot.Gaps);
        Assert.NotNull(snapshot.Pod);
        Assert.Equal("boom\n", snapshot.PreviousLog!.Text);
    }

    [Fact]
    public async Task AnApiCallSlowerThanTheDeadlineBecomesATimedOutGapAndTheRestIsStillThere()
    {
        replay.Bundle(Pod("slow-1", Container("api"))).Log("api", "boom\n").Node(NodeObject());
        await replay.StartAsync();
        replay.Server!.Faults.Hang("/events");

        // Long enough that the calls which do answer never miss it on a loaded machine; only the hung one does.
        var snapshot = await replay.CollectAsync("slow-1", "api", o => o.Deadline = TimeSpan.FromSeconds(3));

        Assert.Equal(["events: timed out after 3 s"], snapshot.Gaps);
        Assert.NotNull(snapshot.Pod);
        Assert.NotNull(snapshot.Node);
        Assert.Equal("boom\n", snapshot.PreviousLog!.Text);
    }

    [Fact]
    public async Task ATransientServerErrorIsRetriedAndLeavesNoGap()
    {
        replay.Bundle(Pod("flaky-1", Container("api"))).Log("api", "boom\n");
        await replay.StartAsync();
        replay.Server!.Faults.Fail("/pods/flaky-1", 503, times: 1);

        var snapshot = await replay.CollectAsync("flaky-1", "api");

        Assert.Empty(snapshot.Gaps);
        Assert.NotNull(snapshot.Pod);
        Assert.Equal(2, replay.Server.Stats.Requests.Count(r => r.EndsWith("/pods/flaky-1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task APodReplacedSinceTheAlertIsShownWithAGapNamingBothUids()
    {
        replay.Bundle(Pod("db-0", Container("db"))).Log("db", "ok\n");
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("db-0", "db", labels: new Dictionary<string, string> { ["uid"] = "uid-old" });

        Assert.NotNull(snapshot.Pod);
        Assert.Equal(["pod was replaced since the alert (alert uid uid-old, now uid-db-0); showing the new pod"], snapshot.Gaps);
    }

    [Fact]
    public async Task LiteralEnvValuesAreRedactedWhileSecretReferencesStay()
    {
        var app = Container("api");
        app.Env =
        [
            new V1EnvVar { Name = "DB_PASSWORD", Value = "hunter2" },
            new V1EnvVar { Name = "API_KEY", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "api", Key = "key" } } },
        ];
        var pod = Pod("env-1", app);
        pod.Metadata.Annotations = new Dictionary<string, string> { ["kubectl.kubernetes.io/last-applied-configuration"] = "{\"hunter2\":1}" };
        replay.Bundle(pod).Log("api", "x\n");
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("env-1", "api");

        var env = snapshot.Pod!.Spec.Containers.Single().Env;
        Assert.Equal(PodRedaction.Redacted, env.Single(e => e.Name == "DB_PASSWORD").Value);
        Assert.Equal("api", env.Single(e => e.Name == "API_KEY").ValueFrom.SecretKeyRef.Name);
        Assert.Empty(snapshot.Pod.Metadata.Annotations);
        Assert.DoesNotContain(replay.Server!.Stats.Requests, r => r.Contains("secret", StringComparison.OrdinalIgnoreCase));
    }
}
