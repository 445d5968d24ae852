using k8s.Models;
using Webhook.Collect;
using static Webhook.Tests.Collect.TestPods;

namespace Webhook.Tests.Collect;

public sealed class OwnerChainTests : IAsyncLifetime
{
    static readonly DateTime RolledOut = new(2026, 11, 24, 20, 56, 0, DateTimeKind.Utc);
    readonly ReplayHarness replay = new();

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await replay.DisposeAsync();

    [Fact]
    public async Task ADeploymentPodReportsItsRevisionAndWhatChangedSinceThePreviousReplicaSet()
    {
        var pod = Pod("api-7d9f-x1", Container("api"));
        pod.Metadata.OwnerReferences = [Owner("ReplicaSet", "api-7d9f", "rs-7")];
        replay.Bundle(pod).Log("api", "boom\n")
            .Owner("deployment.json", Deployment(revision: 7))
            .Owner("rs-7.json", ReplicaSet("api-7d9f", "rs-7", 7, "api:1.9.0", "128Mi", RolledOut, new V1EnvVar { Name = "DB_URL", ValueFrom = FromSecret("db", "url") }))
            .Owner("rs-6.json", ReplicaSet("api-5c4b", "rs-6", 6, "api:1.8.2", "256Mi", RolledOut.AddDays(-2), new V1EnvVar { Name = "DB_URL", Value = "postgres://db" }))
            .Owner("rs-5.json", ReplicaSet("api-3a2a", "rs-5", 5, "api:1.8.1", "256Mi", RolledOut.AddDays(-9)));
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("api-7d9f-x1", "api");

        Assert.Empty(snapshot.Gaps);
        var workload = snapshot.Workload!;
        Assert.Equal(("Deployment", "api", "7", "6"), (workload.Kind, workload.Name, workload.Revision, workload.PreviousRevision));
        Assert.Equal(new DateTimeOffset(RolledOut), workload.TemplateCreatedAt);
        Assert.Equal(
        [
            "api: image api:1.8.2 → api:1.9.0",
            "api: env DB_URL literal value → secret db/url",
            "api: memory limit 256Mi → 128Mi",
        ], workload.Changes);
    }

    [Fact]
    public async Task TheSameBundleReadOfflineHasTheWorkloadTheLiveCollectorFound()
    {
        var pod = Pod("api-7d9f-x3", Container("api"));
        pod.Metadata.OwnerReferences = [Owner("ReplicaSet", "api-7d9f", "rs-7")];
        var bundle = replay.Bundle(pod).Log("api", "boom\n")
            .Owner("deployment.json", Deployment(revision: 8))
            .Owner("rs-7.json", ReplicaSet("api-7d9f", "rs-7", 7, "api:1.9.0", "128Mi", RolledOut))
            .Owner("rs-6.json", ReplicaSet("api-5c4b", "rs-6", 6, "api:1.8.2", "256Mi", RolledOut.AddDays(-2)));
        await replay.StartAsync();

        var live = (await replay.CollectAsync("api-7d9f-x3", "api")).Workload!;
        var offline = Webhook.Bundles.BundleReader.Read(bundle.Folder, "api").Workload!;

        Assert.Equal(["api: image api:1.8.2 → api:1.9.0", "api: memory limit 256Mi → 128Mi", "a newer revision 8 of the Deployment exists; this pod runs revision 7"], live.Changes);
        Assert.Equal((live.Kind, live.Name, live.Revision, live.PreviousRevision, live.PreviousName, live.TemplateCreatedAt),
            (offline.Kind, offline.Name, offline.Revision, offline.PreviousRevision, offline.PreviousName, offline.TemplateCreatedAt));
        Assert.Equal(live.Changes, offline.Changes);
        Assert.Equal("api-5c4b", offline.PreviousName);
    }

    [Fact]
    public void ABundleWhoseAnswersHoldTheReplicaSetsShowsTheRolloutDiffAndABundleWithoutOwnersNone()
    {
        var root = Directory.CreateTempSubdirectory("owners-").FullName;
        try
        {
            var pod = Pod("api-7d9f-x4", Container("api"));
            pod.Metadata.OwnerReferences = [Owner("ReplicaSet", "api-7d9f", "rs-7")];
            var answered = new TestBundle(root, pod)
                .Object(ReplicaSet("api-7d9f", "rs-7", 7, "api:1.9.0", "128Mi", RolledOut))
                .Object(ReplicaSet("api-5c4b", "rs-6", 6, "api:1.8.2", "128Mi", RolledOut.AddDays(-2)));
            var workload = Webhook.Bundles.BundleReader.Read(answered.Folder, "api").Workload!;
            Assert.Equal(("Deployment", "api", "7", "6", "api-5c4b"), (workload.Kind, workload.Name, workload.Revision, workload.PreviousRevision, workload.PreviousName));
            Assert.Equal(["api: image api:1.8.2 → api:1.9.0"], workload.Changes);

            var bare = Pod("api-7d9f-x5", Container("api"));
            bare.Metadata.OwnerReferences = [Owner("ReplicaSet", "api-7d9f", "rs-7")];
            Assert.Null(Webhook.Bundles.BundleReader.Read(new TestBundle(root, bare).Folder, "api").Workload);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task ForbiddenReplicaSetListingLeavesAGapButKeepsTheRevision()
    {
        var pod = Pod("api-7d9f-x2", Container("api"));
        pod.Metadata.OwnerReferences = [Owner("ReplicaSet", "api-7d9f", "rs-7")];
        replay.Bundle(pod).Log("api", "boom\n")
            .Owner("deployment.json", Deployment(revision: 7))
            .Owner("rs-7.json", ReplicaSet("api-7d9f", "rs-7", 7, "api:1.9.0", "128Mi", RolledOut));
        await replay.StartAsync();
        replay.Server!.Faults.Forbid("/replicasets");

        var snapshot = await replay.CollectAsync("api-7d9f-x2", "api");

        Assert.Equal(["previous ReplicaSet: forbidden"], snapshot.Gaps);
        Assert.Equal("7", snapshot.Workload!.Revision);
        Assert.Empty(snapshot.Workload.Changes);
    }

    [Fact]
    public async Task ACronJobPodIsTracedThroughItsJob()
    {
        var pod = Pod("report-29123-abcde", Container("report"));
        pod.Metadata.OwnerReferences = [Owner("Job", "report-29123", "job-uid")];
        var job = new V1Job
        {
            ApiVersion = "batch/v1", Kind = "Job",
            Metadata = new V1ObjectMeta { Name = "report-29123", NamespaceProperty = Ns, CreationTimestamp = RolledOut, OwnerReferences = [Owner("CronJob", "report", "cj-uid")] },
        };
        var cron = new V1CronJob { ApiVersion = "batch/v1", Kind = "CronJob", Metadata = new V1ObjectMeta { Name = "report", NamespaceProperty = Ns } };
        replay.Bundle(pod).Log("report", "x\n").Owner("job.json", job).Owner("cronjob.json", cron);
        await replay.StartAsync();

        var snapshot = await replay.CollectAsync("report-29123-abcde", "report");

        Assert.Empty(snapshot.Gaps);
        Assert.Equal(("CronJob", "report", "report-29123"), (snapshot.Workload!.Kind, snapshot.Workload.Name, snapshot.Workload.Revision));
    }

    internal static V1OwnerReference Owner(string kind, string name, string uid) =>
        new() { ApiVersion = kind is "Job" or "CronJob" ? "batch/v1" : "apps/v1", Kind = kind, Name = name, Uid = uid, Controller = true };

    static V1EnvVarSource FromSecret(string name, string key) => new() { SecretKeyRef = new V1SecretKeySelector { Name = name, Key = key } };

    internal static V1Deployment Deployment(int revision) => new()
    {
        ApiVersion = "apps/v1", Kind = "Deployment",
        Metadata = new V1ObjectMeta
        {
            Name = "api", NamespaceProperty = Ns, Uid = "dep-uid",
            Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/revision"] = $"{revision}" },
        },
        Spec = new V1DeploymentSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "api" } }, Template = new V1PodTemplateSpec() },
    };

    internal static V1ReplicaSet ReplicaSet(string name, string uid, int revision, string image, string memoryLimit, DateTime created, params V1EnvVar[] env)
    {
        var hash = name.Split('-')[1];
        var labels = new Dictionary<string, string> { ["app"] = "api", ["pod-template-hash"] = hash };
        return new V1ReplicaSet
        {
            ApiVersion = "apps/v1", Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = name, NamespaceProperty = Ns, Uid = uid, CreationTimestamp = created, Labels = labels,
                Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/revision"] = $"{revision}" },
                OwnerReferences = [Owner("Deployment", "api", "dep-uid")],
            },
            Spec = new V1ReplicaSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "api", Image = image, Env = env,
                                Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(memoryLimit) } },
                            },
                        ],
                    },
                },
            },
        };
    }
}
