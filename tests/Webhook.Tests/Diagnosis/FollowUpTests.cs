using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>The follow-up questions and the findings written from their answers: pure, with plain objects.</summary>
public sealed class FollowUpTests
{
    const string Refused = "FATAL: could not connect: dial tcp postgres:5432: connect: connection refused";

    static PodSnapshot With(PodSnapshot snapshot, params IKubernetesObject<V1ObjectMeta>[] objects) => snapshot with
    {
        Objects = snapshot.Objects.Concat(objects.Select(o => KeyValuePair.Create(
            ObjectKey.Of(o.Kind, o.Kind == "Node" ? null : o.Metadata.NamespaceProperty, o.Metadata.Name), KubernetesObjectJson.Serialize(o))))
            .ToDictionary(p => p.Key, p => p.Value),
    };

    static PodSnapshot NotFound(PodSnapshot snapshot, string kind, string ns, string name) => snapshot with
    {
        Objects = new Dictionary<string, string>(snapshot.Objects)
        {
            [ObjectKey.Of(kind, ns, name)] = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["code"] = 404, ["reason"] = "NotFound" }.ToJsonString(),
        },
    };

    static CrashDiagnosis Classify(PodSnapshot s) => new CrashClassifier().Classify(s);

    static IReadOnlyList<Question> Ask(PodSnapshot s) => FollowUps.For(s, Classify(s));

    static V1Service Service(string name, string app, int port = 5432) => new()
    {
        ApiVersion = "v1", Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop" },
        Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = app }, Ports = [new V1ServicePort { Port = port }] },
    };

    static V1EndpointSlice Slice(string service, params bool[] ready) => new()
    {
        ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice", AddressType = "IPv4",
        Metadata = new V1ObjectMeta { Name = $"{service}-x7k2p", NamespaceProperty = "shop", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        Endpoints = ready.Select((r, i) => new V1Endpoint
        {
            Addresses = [$"10.0.0.{i + 1}"], Conditions = new V1EndpointConditions { Ready = r },
            TargetRef = new V1ObjectReference { Kind = "Pod", Name = $"{service}-{i}", NamespaceProperty = "shop" },
        }).ToList(),
    };

    static V1Pod OomKilledPostgres() => new()
    {
        ApiVersion = "v1", Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = "postgres-0", NamespaceProperty = "shop", Labels = new Dictionary<string, string> { ["app"] = "postgres" } },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container
            {
                Name = "postgres", Image = "postgres:16",
                Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("256Mi") } },
            }],
        },
        Status = new V1PodStatus
        {
            Phase = "Running",
            ContainerStatuses = [new V1ContainerStatus
            {
                Name = "postgres", Image = "postgres:16", ImageID = "", Ready = false, RestartCount = 14,
                State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
                LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 137, Reason = "OOMKilled" } },
            }],
        },
    };

    [Fact]
    public void ADependencyErrorAsksForTheServiceAndItsEndpointSlicesThenThePodsBehindThemOneHop()
    {
        var snapshot = new Crash { Log = Refused }.Snapshot();

        var first = Ask(snapshot);
        Assert.Equal(Question.Get("Service", "shop", "postgres", "").Key, first[0].Key);
        Assert.Equal("EndpointSlice?shop?kubernetes.io/service-name=postgres", first[1].Key);
        Assert.DoesNotContain(first, q => q.Kind == "Pod");

        var answered = With(snapshot, Service("postgres", "postgres"), Slice("postgres", false));
        Assert.Contains(Ask(answered), q => q.Key == "Pod?shop?app=postgres");
        // With a ready endpoint there is nothing behind the Service to chase.
        Assert.DoesNotContain(Ask(With(snapshot, Service("postgres", "postgres"), Slice("postgres", true))), q => q.Kind == "Pod");
    }

    [Fact]
    public void AServiceWithNoReadyEndpointNamesThePodBehindItAndThatPodsOwnCause()
    {
        var snapshot = With(new Crash { Log = Refused }.Snapshot(), Service("postgres", "postgres"), Slice("postgres", false), OomKilledPostgres());

        var d = Classify(snapshot);

        var endpoints = Assert.Single(d.Findings, f => f.Kind == FindingKinds.ServiceEndpoints);
        Assert.Equal("postgres (shop) has 0 ready endpoints: postgres-0 is CrashLoopBackOff, OOM killed at 256Mi, 14 restarts", endpoints.Text);
        Assert.Equal("oom-killed", endpoints.Get("podCause"));
        Assert.Contains(d.Remediation, r => r.StartsWith("postgres (shop) has 0 ready endpoints: postgres-0 is CrashLoopBackOff, OOM killed at 256Mi")
            && r.Contains("kubectl logs postgres-0 -n shop --previous") && r.Contains("oom-killed"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("Check that Service postgres"));
    }

    // ---- a dependency the log does not name: the one the container is configured to reach ----

    const string StorageFailed = "fatal: failed to init storage: no postgres node available";

    static V1Pod PendingPostgres()
    {
        var pod = OomKilledPostgres();
        pod.Status = new V1PodStatus { Phase = "Pending" };
        return pod;
    }

    [Fact]
    public void WhenTheLogNamesNoHostTheServiceTheContainerIsConfiguredToReachIsAskedForOneHop()
    {
        var snapshot = new Crash { Log = StorageFailed, Args = ["--storage-url=postgres://app@postgres:5432/shop"] }.Snapshot();

        var first = Ask(snapshot);
        Assert.Equal(Question.Get("Service", "shop", "postgres", "").Key, first[0].Key);
        Assert.Equal("EndpointSlice?shop?kubernetes.io/service-name=postgres", first[1].Key);
        Assert.Contains(Ask(With(snapshot, Service("postgres", "postgres"), Slice("postgres", false))), q => q.Key == "Pod?shop?app=postgres");
    }

    [Fact]
    public void AConfiguredServiceWithNoReadyEndpointDecidesTheCauseAndTheFaultIsThePodBehindIt()
    {
        var snapshot = new Crash { Log = StorageFailed, Args = ["--storage-url=postgres://app@postgres:5432/shop"] }.Snapshot();
        Assert.NotEqual(Causes.DependencyUnavailable, Classify(snapshot).Cause);

        var d = Classify(With(snapshot, Service("postgres", "postgres"), Slice("postgres", false), OomKilledPostgres()));

        Assert.Equal(Causes.DependencyUnavailable, d.Cause);
        Assert.Equal(UnreadyDependencyRule.Mentioned + 0.0, d.Confidence, 2);
        Assert.Contains("postgres (shop)", d.Summary);
        Assert.Contains("postgres-0 is CrashLoopBackOff, OOM killed at 256Mi", d.Summary);
        Assert.Contains(d.Evidence, e => e.Source == "log" && e.Text == StorageFailed);
        var unreachable = Assert.Single(d.Findings, f => f.Kind == FindingKinds.Unreachable);
        Assert.Equal(("postgres:5432", "--storage-url", "pod.spec"), (unreachable.Get("target"), unreachable.Get("variable"), unreachable.Source));
        Assert.Contains(d.Remediation, r => r.Contains("Fix postgres-0 first") && r.Contains("kubectl logs postgres-0 -n shop --previous"));
    }

    [Fact]
    public void AConfiguredDependencyTheLogDoesNotMentionIsOnlyLikely()
    {
        var snapshot = new Crash { Log = "fatal: init failed", Env = [new V1EnvVar { Name = "DB_HOST", Value = "postgres" }] }.Snapshot();

        var d = Classify(With(snapshot, Service("postgres", "postgres"), Slice("postgres", false), PendingPostgres()));

        Assert.Equal(Causes.DependencyUnavailable, d.Cause);
        Assert.Equal(UnreadyDependencyRule.Configured, d.Confidence, 2);
        // A Pending pod has no log yet: its events say why it does not start.
        Assert.Contains(d.Remediation, r => r.Contains("Fix postgres-0 first") && r.Contains("kubectl describe pod postgres-0 -n shop shows in its events"));
        Assert.DoesNotContain(d.Remediation, r => r.Contains("kubectl logs postgres-0"));
    }

    [Fact]
    public void TheAnswersDoNotOverruleAnOomKillARuntimeOutOfMemoryReadyEndpointsOrTheServiceOfThePodItself()
    {
        var args = new[] { "--storage-url=http://postgres:5432" };
        var oom = new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi", Log = StorageFailed, Args = args }.Snapshot();
        Assert.Equal(Causes.OomKilled, Classify(With(oom, Service("postgres", "postgres"), Slice("postgres", false))).Cause);

        var heap = new Crash { Log = "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space", Args = args }.Snapshot();
        Assert.Equal(Causes.RuntimeOutOfMemory, Classify(With(heap, Service("postgres", "postgres"), Slice("postgres", false))).Cause);

        var crash = new Crash { Log = StorageFailed, Args = args }.Snapshot();
        Assert.NotEqual(Causes.DependencyUnavailable, Classify(With(crash, Service("postgres", "postgres"), Slice("postgres", true))).Cause);

        crash.Pod!.Metadata.Labels = new Dictionary<string, string> { ["app"] = "postgres" };
        Assert.NotEqual(Causes.DependencyUnavailable, Classify(With(crash, Service("postgres", "postgres"), Slice("postgres", false))).Cause);
    }

    [Fact]
    public void OnlyServiceNamesCountAsConfiguredHostsAndRedactedValuesAreNotRead()
    {
        var snapshot = new Crash
        {
            Log = "fatal: zookeeper session to zk-1.zk.data.svc not established",
            Args = ["--api=https://api.example.com:443", "--zk-connect", "zk-0.zk.data.svc.cluster.local:2181,zk-1.zk.data.svc:2181"],
            Env =
            [
                new V1EnvVar { Name = "STORAGE_TYPE", Value = "elasticsearch" },
                new V1EnvVar { Name = "CACHE_HOST", Value = Webhook.Collect.PodRedaction.Redacted },
                new V1EnvVar { Name = "QUEUE_BROKER", Value = "rabbitmq.queues" },
            ],
        }.Snapshot();

        var hosts = ConfiguredHosts.Of(CrashFacts.From(snapshot, new ClassifierOptions()));

        Assert.Equal([("zk-1.zk.data.svc", "zk", "data", "arg --zk-connect", true), ("rabbitmq.queues", "rabbitmq", "queues", "env QUEUE_BROKER", false)],
            hosts.Select(h => (h.Name, h.Service, h.Namespace, h.Where, h.Mentioned)).ToList());
    }

    [Fact]
    public void AClusterIpIsFollowedToItsServiceThroughTheNamespacesServices()
    {
        var snapshot = new Crash { Log = "FATAL: dial tcp 10.96.14.2:5432: connect: connection refused" }.Snapshot();
        var service = Service("postgres", "postgres");
        service.Spec.ClusterIP = "10.96.14.2";
        Assert.Contains(Ask(snapshot), q => q.Key == "Service?shop?");
        Assert.Contains(Ask(With(snapshot, service)), q => q.Key == "EndpointSlice?shop?kubernetes.io/service-name=postgres");

        var d = Classify(With(snapshot, service, Slice("postgres", false), OomKilledPostgres()));

        Assert.StartsWith("postgres (shop) has 0 ready endpoints: postgres-0 is CrashLoopBackOff", d.Findings.Single(f => f.Kind == FindingKinds.ServiceEndpoints).Text);
        Assert.Contains(d.Remediation, r => r.StartsWith("10.96.14.2 is the ClusterIP of Service postgres (shop)"));
    }

    [Fact]
    public void APendingPodBehindTheServiceSaysWhyItIsNotScheduled()
    {
        var pending = OomKilledPostgres();
        pending.Status = new V1PodStatus
        {
            Phase = "Pending",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/3 nodes are available: 3 Insufficient memory." }],
        };

        var d = Classify(With(new Crash { Log = Refused }.Snapshot(), Service("postgres", "postgres"), Slice("postgres"), pending));

        Assert.Equal("postgres (shop) has 0 ready endpoints: postgres-0 is Pending (Unschedulable: 0/3 nodes are available: 3 Insufficient memory.)",
            d.Findings.Single(f => f.Kind == FindingKinds.ServiceEndpoints).Text);
    }

    [Fact]
    public void WhenThePodsBehindTheServiceWereNotReadTheSliceStillNamesThem()
    {
        var d = Classify(With(new Crash { Log = Refused }.Snapshot(), Service("postgres", "postgres"), Slice("postgres", false)));

        Assert.Equal("postgres (shop) has 0 ready endpoints: postgres-0 is not ready", d.Findings.Single(f => f.Kind == FindingKinds.ServiceEndpoints).Text);
        Assert.Contains(d.Remediation, r => r.Contains("Fix postgres-0 first: kubectl describe pod postgres-0 -n shop"));
    }

    [Fact]
    public void AServiceOnAnotherPortIsNamedWithThePortsItServes()
    {
        var snapshot = With(new Crash { Log = Refused }.Snapshot(), Service("postgres", "postgres", port: 5433), Slice("postgres", true));

        var d = Classify(snapshot);

        Assert.Equal("5432", d.Findings.Single(f => f.Kind == FindingKinds.ServiceEndpoints).Get("wrongPort"));
        Assert.Contains(d.Remediation, r => r.Contains("does not serve port 5432 (its ports: 5433)"));
    }

    [Fact]
    public void AHostTheApiSaysIsNoServiceIsNamedAsOutsideTheCluster()
    {
        var d = Classify(NotFound(new Crash { Log = Refused }.Snapshot(), "Service", "shop", "postgres"));

        Assert.Contains("is no Service of the cluster", d.Findings.Single(f => f.Kind == FindingKinds.NotAService).Text);
        Assert.Contains(d.Remediation, r => r.Contains("there is no Service postgres in namespace shop"));
    }

    static Crash MissingKey => new()
    {
        Log = "FATAL: environment variable DATABASE_URL is not set",
        Env = [new V1EnvVar { Name = "DATABASE_URL", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "app-env", Key = "DATABASE_URL" } } },
               new V1EnvVar { Name = "DB_PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "db-creds", Key = "password" } } }],
    };

    static V1ConfigMap AppEnv(DateTime written) => new()
    {
        ApiVersion = "v1", Kind = "ConfigMap",
        Metadata = new V1ObjectMeta
        {
            Name = "app-env", NamespaceProperty = "shop",
            ManagedFields = [new V1ManagedFieldsEntry
            {
                Manager = "kubectl-edit", Operation = "Update", Time = written, FieldsType = "FieldsV1",
                FieldsV1 = System.Text.Json.JsonDocument.Parse("""{"f:data":{"f:DB_HOST":{},"f:DB_PORT":{}}}""").RootElement,
            }],
        },
        Data = new Dictionary<string, string> { ["DB_HOST"] = "", ["DB_PORT"] = "" },
    };

    [Fact]
    public void AConfigErrorAsksForItsConfigMapsFirstAndNeverForASecret()
    {
        var questions = Ask(MissingKey.Snapshot());

        Assert.Equal("ConfigMap.shop.app-env", questions[0].Key);
        Assert.DoesNotContain(questions, q => q.Kind == "Secret");
    }

    [Fact]
    public void AConfigMapWithoutTheKeyListsTheKeysItHasAndTheWriteAfterThePodStarted()
    {
        var snapshot = MissingKey.Snapshot();
        snapshot.Pod!.Status.StartTime = Crash.Started.AddMinutes(-30);
        var d = Classify(With(snapshot, AppEnv(Crash.Started.AddMinutes(-5))));

        var cm = d.Findings.Single(f => f.Kind == FindingKinds.ConfigSource);
        Assert.Equal("ConfigMap app-env (env DATABASE_URL) has keys DB_HOST, DB_PORT; key DATABASE_URL (env DATABASE_URL) is missing; "
            + "written at 2026-11-24 19:55:00Z by kubectl-edit, after the pod started (2026-11-24 19:30:00Z), touching DB_HOST, DB_PORT", cm.Text);
        Assert.Contains(d.Remediation, r => r.StartsWith("ConfigMap app-env has no key DATABASE_URL (it has: DB_HOST, DB_PORT)"));
        Assert.Contains(d.Remediation, r => r.StartsWith("ConfigMap app-env was written at 2026-11-24 19:55:00Z, after the pod started"));
        Assert.Equal("env DB_PASSWORD (key password) from Secret db-creds (not read)", d.Findings.Single(f => f.Kind == FindingKinds.SecretSource).Text);
    }

    [Fact]
    public void AConfigMapThatDoesNotExistIsSaidSo()
    {
        var d = Classify(NotFound(MissingKey.Snapshot(), "ConfigMap", "shop", "app-env"));

        Assert.Equal("false", d.Findings.Single(f => f.Kind == FindingKinds.ConfigSource).Get("exists"));
        Assert.Contains(d.Remediation, r => r.StartsWith("ConfigMap app-env does not exist in namespace shop"));
    }

    [Fact]
    public void TheBlastRadiusCountsReplicasNotReadyAndTheEndpointsTheServiceStillHas()
    {
        var snapshot = new Crash { Log = "panic: nil map" }.Snapshot();
        snapshot.Pod!.Metadata.Labels = new Dictionary<string, string> { ["app"] = "api", ["pod-template-hash"] = "7d9f5" };
        snapshot.Pod.Metadata.OwnerReferences = [new V1OwnerReference { Kind = "ReplicaSet", Name = "api-7d9f5", Controller = true, ApiVersion = "apps/v1", Uid = "u" }];
        Assert.Contains(Ask(snapshot), q => q.Key == "Deployment.shop.api");
        Assert.Contains(Ask(snapshot), q => q.Key == "Service?shop?");
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1", Kind = "Deployment", Metadata = new V1ObjectMeta { Name = "api", NamespaceProperty = "shop" },
            Spec = new V1DeploymentSpec { Replicas = 3, Selector = new V1LabelSelector(), Template = new V1PodTemplateSpec() },
            Status = new V1DeploymentStatus { ReadyReplicas = 1, UpdatedReplicas = 3, AvailableReplicas = 1 },
        };
        var withService = With(snapshot, deployment, Service("api", "api", 8080));
        Assert.Contains(Ask(withService), q => q.Key == "EndpointSlice?shop?kubernetes.io/service-name=api");

        var d = Classify(With(withService, Slice("api", true, false, false)));

        Assert.Equal("2 of 3 replicas of deployment/api not ready; service api still has 1 ready endpoint",
            d.Findings.Single(f => f.Kind == FindingKinds.BlastRadius).Text);
    }

    static V1ControllerRevision Revision(int n, string memory) => new()
    {
        ApiVersion = "apps/v1", Kind = "ControllerRevision", Revision = n,
        Metadata = new V1ObjectMeta
        {
            Name = $"db-{n}", NamespaceProperty = "shop",
            OwnerReferences = [new V1OwnerReference { Kind = "StatefulSet", Name = "db", Controller = true, ApiVersion = "apps/v1", Uid = "u" }],
        },
        // A JsonElement, as the client's generated JSON reads an untyped field (it has no metadata for JsonNode).
        Data = System.Text.Json.JsonDocument.Parse("""{"spec":{"template":{"metadata":{"labels":{"helm.sh/chart":"db-1.N.0"}},"spec":{"containers":[{"name":"app","image":"registry.example/api:1.4.2","resources":{"limits":{"memory":"MEMORY"}}}]}}}}"""
            .Replace("N", n.ToString(System.Globalization.CultureInfo.InvariantCulture)).Replace("MEMORY", memory)).RootElement,
    };

    [Fact]
    public void AStatefulSetTemplateChangeIsReadFromItsControllerRevisions()
    {
        var snapshot = new Crash { ExitCode = 137, Reason = "OOMKilled", MemoryLimit = "256Mi" }.Snapshot();
        snapshot.Pod!.Metadata.Labels = new Dictionary<string, string> { ["app"] = "db", ["controller-revision-hash"] = "db-2" };
        snapshot.Pod.Metadata.OwnerReferences = [new V1OwnerReference { Kind = "StatefulSet", Name = "db", Controller = true, ApiVersion = "apps/v1", Uid = "u" }];
        var sts = new V1StatefulSet
        {
            ApiVersion = "apps/v1", Kind = "StatefulSet", Metadata = new V1ObjectMeta { Name = "db", NamespaceProperty = "shop" },
            Spec = new V1StatefulSetSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } }, ServiceName = "db", Template = new V1PodTemplateSpec() },
            Status = new V1StatefulSetStatus { Replicas = 1 },
        };
        Assert.Contains(Ask(With(snapshot, sts)), q => q.Key == "ControllerRevision?shop?app=db");

        var d = Classify(With(snapshot, sts, Revision(1, "512Mi"), Revision(2, "256Mi")));

        var change = d.Findings.Single(f => f.Kind == FindingKinds.RevisionChange);
        Assert.Contains("app: memory limit 512Mi → 256Mi", change.Text);
        Assert.Contains("helm.sh/chart db-1.1.0 → db-1.2.0", change.Text);
        Assert.Contains(d.Remediation, r => r.Contains("kubectl rollout undo statefulset/db -n shop --to-revision=1")
            && r.Contains("kubectl get controllerrevision db-2 db-1 -n shop -o yaml"));
    }

    [Fact]
    public void AWrongArchitectureAsksForTheNodeAndNamesItsPlatform()
    {
        var snapshot = new Crash { ExitCode = 255, Log = "exec /app/server: exec format error" }.Snapshot();
        Assert.Contains(Ask(snapshot), q => q.Key == "Node.node-1");
        var node = new V1Node
        {
            ApiVersion = "v1", Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = "node-1",
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/arch"] = "arm64", ["kubernetes.io/os"] = "linux", ["node.kubernetes.io/instance-type"] = "m7g.large",
                    ["feature.node.kubernetes.io/cpu-cpuid.ASIMD"] = "true",
                },
            },
            Status = new V1NodeStatus { NodeInfo = new V1NodeSystemInfo { KernelVersion = "6.1.0-28-cloud-arm64", Architecture = "arm64", OperatingSystem = "linux",
                BootID = "", ContainerRuntimeVersion = "", KubeletVersion = "", KubeProxyVersion = "", MachineID = "", OsImage = "Debian 12", SystemUUID = "" } },
        };

        var d = Classify(With(snapshot, node));

        Assert.Equal("node node-1: arm64, linux, kernel 6.1.0-28-cloud-arm64, instance type m7g.large, CPU features ASIMD",
            d.Findings.Single(f => f.Kind == FindingKinds.NodePlatform).Text);
        Assert.Contains(d.Remediation, r => r.StartsWith("Node node-1 is arm64/linux (m7g.large): build the image for linux/arm64"));
    }

    [Fact]
    public void AMutableTagPulledAgainIsFlaggedAndAPinnedOneIsNot()
    {
        var pulled = Crash.Event("Pulled", "Successfully pulled image \"registry.example/api:latest\" in 1.2s", secondsAfterStart: -120, type: "Normal");
        var snapshot = new Crash { Log = "panic: nil map", Events = [pulled] }.Snapshot();
        snapshot.Pod!.Spec.Containers[0].Image = "registry.example/api:latest";

        var tag = Classify(snapshot).Findings.Single(f => f.Kind == FindingKinds.MutableTag);
        Assert.StartsWith("image registry.example/api:latest uses the tag :latest, a mutable tag, and was pulled again (1 pull, 2 min before", tag.Text);

        Assert.True(MutableTagFinder.IsMutable("registry.example:5000/api"));
        Assert.False(MutableTagFinder.IsMutable("registry.example:5000/api:1.4.2"));
        Assert.False(MutableTagFinder.IsMutable("api:latest@sha256:abc"));
    }

    [Fact]
    public void WithoutAnswersTheFindingsAreThoseOfThePodAlone()
    {
        var d = Classify(new Crash { Log = Refused }.Snapshot());

        Assert.DoesNotContain(d.Findings, f => f.Kind is FindingKinds.ServiceEndpoints or FindingKinds.NotAService or FindingKinds.BlastRadius);
        Assert.Contains(d.Remediation, r => r.Contains("Check that Service postgres"));
    }
}
