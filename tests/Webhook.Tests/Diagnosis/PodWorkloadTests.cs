using k8s.Models;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>The one answer to "which workload is this pod's", from plain pods.</summary>
public class PodWorkloadTests
{
    static V1Pod Pod(string? hash, params V1OwnerReference[] owners) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "p", NamespaceProperty = "shop", OwnerReferences = owners,
            Labels = hash is null ? null : new Dictionary<string, string> { ["pod-template-hash"] = hash },
        },
    };

    static V1OwnerReference Owner(string kind, string name, bool controller = true) =>
        new() { ApiVersion = "apps/v1", Kind = kind, Name = name, Uid = "u", Controller = controller };

    public static TheoryData<V1Pod, string?, string?, WorkloadBasis?> Cases => new()
    {
        // The Deployment of a ReplicaSet whose name ends in the pod's template hash, however short.
        { Pod("7d9f", Owner("ReplicaSet", "api-7d9f")), "Deployment", "api", WorkloadBasis.TemplateHash },
        // Without the label, a hash-shaped last part (5 to 10 characters) still reads as a Deployment's ReplicaSet…
        { Pod(null, Owner("ReplicaSet", "user-api-5d8f9c7b6")), "Deployment", "user-api", WorkloadBasis.NameShape },
        // …and any other ReplicaSet is its own workload.
        { Pod(null, Owner("ReplicaSet", "my-web")), "ReplicaSet", "my-web", WorkloadBasis.OwnerReference },
        { Pod("other", Owner("ReplicaSet", "api")), "ReplicaSet", "api", WorkloadBasis.OwnerReference },
        { Pod(null, Owner("StatefulSet", "db")), "StatefulSet", "db", WorkloadBasis.OwnerReference },
        { Pod(null, Owner("Job", "migrate-29182")), "Job", "migrate-29182", WorkloadBasis.OwnerReference },
        // The controller wins over other owners; without one, the first owner counts.
        { Pod(null, Owner("ConfigMap", "lock", controller: false), Owner("DaemonSet", "agent")), "DaemonSet", "agent", WorkloadBasis.OwnerReference },
        { Pod(null, Owner("StatefulSet", "db", controller: false)), "StatefulSet", "db", WorkloadBasis.OwnerReference },
        { Pod(null), null, null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void APodsOwnerReferenceNamesItsWorkload(V1Pod pod, string? kind, string? name, WorkloadBasis? by)
    {
        var w = PodWorkload.Of(pod);

        Assert.Equal((kind, name, by), (w?.Kind, w?.Name, w?.By));
    }

    [Fact]
    public void TheWorkloadTheCollectorResolvedWins()
    {
        var w = PodWorkload.Of(Pod("7d9f", Owner("ReplicaSet", "api-7d9f")), new WorkloadInfo { Kind = "Deployment", Name = "api-v2" });

        Assert.Equal(("Deployment", "api-v2", WorkloadBasis.Collected, "api-7d9f"), (w!.Kind, w.Name, w.By, w.Owner!.Name));
    }

    [Fact]
    public void OnlyAWorkloadThePodNamesForSureIsAskedFor()
    {
        Assert.Equal(("Deployment", "api"), PodWorkload.Controller(Pod("7d9f", Owner("ReplicaSet", "api-7d9f"))));
        Assert.Equal(("StatefulSet", "db"), PodWorkload.Controller(Pod(null, Owner("StatefulSet", "db"))));
        Assert.Null(PodWorkload.Controller(Pod(null, Owner("ReplicaSet", "user-api-5d8f9c7b6"))));
        Assert.Null(PodWorkload.Controller(Pod(null, Owner("Job", "migrate"))));
        Assert.Null(PodWorkload.Controller(null));
    }
}
