using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>Which object a proposed change edits: the workload's template, never the pod's own (immutable) spec or a Job's.</summary>
public class WorkloadRefTests
{
    [Fact]
    public void TheResolvedWorkloadIsEdited()
    {
        var w = WorkloadRef.Of(new Crash { Workload = new WorkloadInfo { Kind = "StatefulSet", Name = "db" } }.Facts());
        Assert.Equal("statefulset/db", w?.Resource);
    }

    [Fact]
    public void AReplicaSetTheCollectorCouldNotFollowIsStillItsDeployments()
    {
        var w = WorkloadRef.Of(new Crash { Deployment = "api", Workload = new WorkloadInfo { Kind = "ReplicaSet", Name = "api-7d9f" } }.Facts());
        Assert.Equal("deployment/api", w?.Resource);
    }

    [Fact]
    public void AJobsTemplateCannotChangeAndABarePodHasNoTemplate()
    {
        Assert.Null(WorkloadRef.Of(new Crash { Workload = new WorkloadInfo { Kind = "Job", Name = "migrate" } }.Facts()));
        Assert.Null(WorkloadRef.Of(new Crash().Facts()));
    }

    [Fact]
    public void ACronJobsContainersAreUnderTheJobTemplate()
    {
        var facts = new Crash { Workload = new WorkloadInfo { Kind = "CronJob", Name = "nightly" } }.Facts();
        var patch = WorkloadRef.Of(facts)!.JsonPatch(facts, ("add", "/resources/limits/memory", "1Gi"));
        Assert.Contains("\"path\":\"/spec/jobTemplate/spec/template/spec/containers/0/resources/limits/memory\"", patch);
        Assert.StartsWith("kubectl patch cronjob/nightly -n shop --type=json -p '[{\"op\":\"test\"", patch);
    }
}
