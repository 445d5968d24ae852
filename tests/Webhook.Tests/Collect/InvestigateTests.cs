using System.Text.Json;
using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Webhook.Bundles;
using Webhook.Cli;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Tests.Support;
using static Webhook.Tests.Collect.TestPods;

namespace Webhook.Tests.Collect;

/// <summary>
/// The Investigate stage with the real KubernetesClient against the replay server: it follows the evidence to
/// the objects a bundle's objects/ holds, within its budget, turns refusals into named gaps, and never lets a
/// ConfigMap value or a Secret reach a diagnosis, a bundle or a log.
/// </summary>
public sealed partial class InvestigateTests : IAsyncLifetime
{
    const string PodName = "api-7d9f-abcde";
    readonly ReplayHarness replay = new();
    readonly CrashClassifier classifier = new();

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await replay.DisposeAsync();

    static V1Pod Crashing(string name, params V1EnvVar[] env)
    {
        var pod = Pod(name, Container("api"));
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "api" };
        pod.Spec.Containers[0].Env = env;
        pod.Status.ContainerStatuses = [CrashLooping("api", 12, 1, "Error")];
        return pod;
    }

    static V1Service Service(string name, string app) => new()
    {
        ApiVersion = "v1", Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
        Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = app }, Ports = [new V1ServicePort { Port = 5432 }] },
    };

    static V1EndpointSlice NotReadySlice(string service) => new()
    {
        ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice", AddressType = "IPv4",
        Metadata = new V1ObjectMeta { Name = $"{service}-x7k2p", NamespaceProperty = Ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        Endpoints = [new V1Endpoint { Addresses = ["10.1.2.3"], Conditions = new V1EndpointConditions { Ready = false }, TargetRef = new V1ObjectReference { Kind = "Pod", Name = $"{service}-0" } }],
    };

    static V1Pod OomKilled(string name, string app)
    {
        var pod = Pod(name, Container(app, "postgres:16"));
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = app };
        pod.Spec.Containers[0].Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("256Mi") } };
        pod.Status.ContainerStatuses = [CrashLooping(app, 14, 137, "OOMKilled")];
        return pod;
    }

    TestBundle DependencyDown(string pod = PodName) =>
        replay.Bundle(Crashing(pod)).Log("api", "starting\nFATAL: dial tcp postgres:5432: connect: connection refused\n")
            .Object(Service("postgres", "postgres")).Object(NotReadySlice("postgres")).Object(OomKilled("postgres-0", "postgres"));

    async Task<(PodSnapshot Snapshot, CrashDiagnosis Diagnosis)> DiagnoseAsync(string pod = PodName, StandaloneCollector? collector = null)
    {
        var snapshot = await (collector ?? replay.Collector()).CollectAndFollowUpAsync(Ns, pod, "api", classifier, CancellationToken.None);
        return (snapshot, classifier.Classify(snapshot));
    }

    IReadOnlyList<string> FollowUpRequests() => replay.Server!.Stats.Requests.Where(r => FollowUpPath().IsMatch(r)).ToList();

    [GeneratedRegex(@"/services|/endpointslices|/configmaps|/controllerrevisions|/pods\?|/deployments/|/statefulsets/|/daemonsets/|/secrets")]
    private static partial Regex FollowUpPath();

    [Fact]
    public async Task ADependencyPodDownOneHopAwayIsNamedWithItsOwnCause()
    {
        DependencyDown();
        await replay.StartAsync();

        var (snapshot, d) = await DiagnoseAsync();

        Assert.Equal("dependency-unavailable", d.Cause);
        Assert.Equal("postgres (shop) has 0 ready endpoints: postgres-0 is CrashLoopBackOff, OOM killed at 256Mi, 14 restarts",
            d.Findings.Single(f => f.Kind == FindingKinds.ServiceEndpoints).Text);
        Assert.Contains(d.Remediation, r => r.StartsWith("postgres (shop) has 0 ready endpoints") && r.Contains("oom-killed"));
        Assert.Contains("Service.shop.postgres", snapshot.Objects.Keys);
        Assert.Contains("Pod.shop.postgres-0", snapshot.Objects.Keys);
        var requests = FollowUpRequests();
        Assert.Contains(requests, r => r.StartsWith("/api/v1/namespaces/shop/pods?") && r.Contains("labelSelector=app%3Dpostgres"));
        Assert.InRange(requests.Count, 3, KubernetesInvestigator.MaxCalls);
        Assert.DoesNotContain(requests, r => r.Contains("/secrets"));
    }

    [Fact]
    public async Task ADependencyTheLogDoesNotNameIsFollowedFromTheArgsAndTheBundleDiagnosisIsTheLiveOne()
    {
        var pod = Crashing(PodName);
        pod.Spec.Containers[0].Args = ["--storage-url=http://postgres:5432"];
        var bundle = replay.Bundle(pod).Log("api", "starting\nfatal: failed to init storage: no postgres node available\n")
            .Object(Service("postgres", "postgres")).Object(NotReadySlice("postgres")).Object(OomKilled("postgres-0", "postgres"));
        await replay.StartAsync();

        var (snapshot, live) = await DiagnoseAsync();

        Assert.Equal("dependency-unavailable", live.Cause);
        Assert.Contains("postgres-0 is CrashLoopBackOff, OOM killed at 256Mi", live.Summary);
        Assert.Contains("Pod.shop.postgres-0", snapshot.Objects.Keys);
        Assert.InRange(FollowUpRequests().Count, 3, KubernetesInvestigator.MaxCalls);
        var offline = classifier.Classify(BundleReader.Read(bundle.Folder, "api"));
        Assert.Equal((live.Cause, live.Confidence, live.Summary), (offline.Cause, offline.Confidence, offline.Summary));
        Assert.Equal(live.Remediation, offline.Remediation);
    }

    [Fact]
    public async Task DiagnoseInLiveModeFollowsTheEvidenceAsTheServiceDoes()
    {
        DependencyDown();
        await replay.StartAsync();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var root = new System.CommandLine.RootCommand { DiagnoseCommand.Create() };

        var exit = await root.Parse(["diagnose", "--server", replay.Server!.Url.ToString(), "-n", Ns, PodName, "-o", "json"])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stderr });

        Assert.True(exit == 0, stderr.ToString());
        var findings = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("findings").EnumerateArray();
        Assert.Contains(findings, f => f.GetProperty("kind").GetString() == FindingKinds.ServiceEndpoints
            && f.GetProperty("text").GetString()!.StartsWith("postgres (shop) has 0 ready endpoints: postgres-0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHostThatIsNoServiceOfTheClusterIsNamedExternal()
    {
        replay.Bundle(Crashing(PodName)).Log("api", "FATAL: dial tcp billing:8080: connect: connection refused\n");
        await replay.StartAsync();

        var (_, d) = await DiagnoseAsync();

        Assert.Contains("billing is no Service of the cluster", d.Findings.Single(f => f.Kind == FindingKinds.NotAService).Text);
    }

    [Fact]
    public async Task AForbiddenFollowUpIsANamedGapAndTheDiagnosisGoesOn()
    {
        DependencyDown();
        await replay.StartAsync();
        // An RBAC without services: neither the GET nor the namespace's list.
        replay.Server!.Faults.Forbid("/services/postgres").Forbid("/services");

        var (snapshot, d) = await DiagnoseAsync();

        Assert.Contains("follow-up Service shop/postgres: forbidden", snapshot.Gaps);
        Assert.Contains("follow-up Service shop/postgres: forbidden", d.Missing);
        Assert.Equal("dependency-unavailable", d.Cause);
        Assert.True(d.Remediation.Any(r => r.Contains("Check that Service postgres in namespace shop has ready endpoints")), string.Join("\n", d.Remediation));
    }

    [Fact]
    public async Task AFollowUpPastTheAlertsDeadlineIsANamedGap()
    {
        DependencyDown();
        await replay.StartAsync();
        replay.Server!.Faults.Hang("/endpointslices");
        // The shipped deadline (10 s), which the hung read waits out. A shorter one (it was 2 s) ran out before the
        // pod's own reads were answered in a test process on a loaded machine, so no follow-up was asked at all.
        using var collector = replay.Collector();

        var (snapshot, d) = await DiagnoseAsync(collector: collector);

        Assert.Contains(snapshot.Gaps, g => g.StartsWith($"follow-up EndpointSlice in shop (kubernetes.io/service-name=postgres): timed out after {(int)collector.Options.Deadline.TotalSeconds} s", StringComparison.Ordinal));
        Assert.Equal("dependency-unavailable", d.Cause);
        Assert.Contains("Service.shop.postgres", snapshot.Objects.Keys);
    }

    [Fact]
    public async Task InAStormTheSharedServiceIsReadOnce()
    {
        DependencyDown("api-1");
        DependencyDown("api-2");
        await replay.StartAsync();
        using var collector = replay.Collector();

        var first = await DiagnoseAsync("api-1", collector);
        var second = await DiagnoseAsync("api-2", collector);

        Assert.Equal(first.Diagnosis.Findings.Single(f => f.Kind == FindingKinds.ServiceEndpoints).Text,
            second.Diagnosis.Findings.Single(f => f.Kind == FindingKinds.ServiceEndpoints).Text);
        Assert.Single(replay.Server!.Stats.Requests, r => r.StartsWith("/api/v1/namespaces/shop/services/postgres"));
        Assert.Single(replay.Server.Stats.Requests, r => r.StartsWith("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?") && r.Contains("postgres"));
    }

    [Fact]
    public async Task NoAlertMakesMoreThanEightFollowUpCallsAndWhatIsLeftIsAGap()
    {
        DependencyDown();
        await replay.StartAsync();
        using var collector = replay.Collector();
        var investigator = new KubernetesInvestigator(collector.Connections, new ApiCallLimiter(4), collector.Options, new AnswerCache(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<KubernetesInvestigator>.Instance);
        var alert = ReplayHarness.Alert(PodName, "api");
        var snapshot = await collector.CollectAsync(alert, CancellationToken.None);
        var questions = Enumerable.Range(0, 12).Select(i => Question.Get("ConfigMap", Ns, $"cm-{i}", "budget")).ToList();

        var answered = await investigator.InvestigateAsync(alert, snapshot, _ => questions, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(KubernetesInvestigator.MaxCalls, replay.Server!.Stats.Requests.Count(r => r.Contains("/configmaps/")));
        Assert.Contains("follow-ups: 8-call budget used; not asked: ConfigMap shop/cm-8, ConfigMap shop/cm-9, ConfigMap shop/cm-10, ConfigMap shop/cm-11", answered.Gaps);
        // A 404 is an answer (the ConfigMap does not exist), not a gap.
        Assert.Equal(8, answered.Objects.Keys.Count(k => k.StartsWith("ConfigMap.", StringComparison.Ordinal)));
    }

    static readonly string[] Planted = ["planted-cm-value-7f3a91", "planted-cm-value-9b2c44", "planted-applied-value-55e0"];

    [Fact]
    public async Task AConfigMapMissingAKeyListsItsKeysAndNoValueReachesTheDiagnosisTheBundleOrTheLog()
    {
        var pod = Crashing(PodName,
            new V1EnvVar { Name = "DATABASE_URL", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "app-env", Key = "DATABASE_URL" } } },
            new V1EnvVar { Name = "DB_PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "db-creds", Key = "password" } } });
        var configMap = new V1ConfigMap
        {
            ApiVersion = "v1", Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = "app-env", NamespaceProperty = Ns,
                Annotations = new Dictionary<string, string> { ["kubectl.kubernetes.io/last-applied-configuration"] = "{\"data\":{\"DB_HOST\":\"" + Planted[2] + "\"}}" },
            },
            // The replay server returns values as a real API server would; they must die in the client's first step.
            Data = new Dictionary<string, string> { ["DB_HOST"] = Planted[0], ["DB_PORT"] = Planted[1] },
        };
        replay.Bundle(pod).Log("api", "FATAL: environment variable DATABASE_URL is not set\n").Object(configMap);
        await replay.StartAsync();
        var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        using var collector = new StandaloneCollector(new KubernetesOptions { Server = replay.Server!.Url.ToString() }, factory);

        var (snapshot, d) = await DiagnoseAsync(collector: collector);

        Assert.Equal("config-error", d.Cause);
        var cm = d.Findings.Single(f => f.Kind == FindingKinds.ConfigSource);
        Assert.Equal("DB_HOST,DB_PORT", cm.Get("keys"));
        Assert.Equal("DATABASE_URL", cm.Get("missing"));
        Assert.Contains(d.Remediation, r => r.StartsWith("ConfigMap app-env has no key DATABASE_URL (it has: DB_HOST, DB_PORT)"));
        Assert.Contains("(not read)", d.Findings.Single(f => f.Kind == FindingKinds.SecretSource).Text);
        var json = JsonSerializer.Serialize(d, DiagnosisJson.Readable.CrashDiagnosis);
        var bundle = Directory.CreateTempSubdirectory("capture-").FullName;
        try
        {
            Assert.Equal(0, await CommandLine.RunAsync(["capture", "--server", replay.Server.Url.ToString(), "-n", Ns, PodName, bundle]));
            Assert.True(File.Exists(Path.Combine(bundle, "objects", "ConfigMap.shop.app-env.json")));
            var written = Directory.EnumerateFiles(bundle, "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();
            foreach (var value in Planted)
            {
                Assert.DoesNotContain(value, json);
                Assert.DoesNotContain(snapshot.Objects.Values, o => o.Contains(value));
                Assert.DoesNotContain(written, text => text.Contains(value));
                Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(value));
            }
            Assert.DoesNotContain(replay.Server.Stats.Requests, r => r.Contains("/secrets"));

            // The bundle reproduces the live conclusion: the same findings and steps from objects/.
            var offline = classifier.Classify(BundleReader.Read(bundle, "api"));
            Assert.Equal(JsonSerializer.Serialize(d.Findings), JsonSerializer.Serialize(offline.Findings));
            Assert.Equal(d.Remediation, offline.Remediation);
        }
        finally
        {
            Directory.Delete(bundle, recursive: true);
        }
    }
}
