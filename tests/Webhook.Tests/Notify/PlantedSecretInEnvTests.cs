using System.Text;
using System.Text.Json;
using k8s.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Webhook.Bundles;
using Webhook.Cli;
using Webhook.Collect;
using Webhook.Diagnosis;
using Webhook.Tests.Collect;
using Webhook.Tests.Support;
using static Webhook.Tests.Collect.TestPods;

namespace Webhook.Tests.Notify;

/// <summary>
/// Secrets planted in a pod's env, collected by the real KubernetesClient from the replay server through the whole
/// service: a DSN with a password keeps its host (the dependency is followed) but the password, a literal in a
/// secret-named variable, credentials in the command and args, and the database path reach no destination, no log and no capture bundle.
/// </summary>
public sealed class PlantedSecretInEnvTests : IAsyncLifetime
{
    const string PodName = "orders-7d9f-abcde";
    const string Dsn = "postgres://app:s3cr3t@db.shop.svc:5432/app";
    static readonly string[] Needles = ["s3cr3t", "app:s3", "hunter2-planted-literal", "5432/app", "hunter3-in-args", "tok-in-args-9f8e7d", "pw-in-url", "q-planted", "sh-planted-pw"];

    /// <summary>Credentials on the command line: a flag's value after = and after a space, a URL's userinfo and query, a script's flag.</summary>
    static readonly List<string> Args = ["--db-password=hunter3-in-args", "--auth-token", "tok-in-args-9f8e7d", "--db-dsn", "postgres://orders:pw-in-url@db.shop.svc:5432/orders?sslpassword=q-planted", "--config=/etc/orders/config.yaml"];

    readonly ReplayHarness replay = new();
    readonly ListLoggerProvider logs = new();
    readonly string inbox = NotifyTestKit.TempDb();
    ChatStandIn chat = null!;
    WebApplicationFactory<Program> app = null!;

    public async Task InitializeAsync()
    {
        var pod = Pod(PodName, Container("orders"));
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "orders" };
        pod.Spec.Containers[0].Env =
        [
            new V1EnvVar { Name = "DATABASE_URL", Value = Dsn },
            new V1EnvVar { Name = "DB_PASSWORD", Value = "hunter2-planted-literal" },
            new V1EnvVar { Name = "API_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "orders-creds", Key = "token" } } },
        ];
        pod.Spec.Containers[0].Args = Args;
        pod.Spec.Containers[0].Command = ["sh", "-c", "exec orders --admin-password sh-planted-pw \"$@\""];
        pod.Status.ContainerStatuses = [CrashLooping("orders", 9, 1, "Error")];
        replay.Bundle(pod).Log("orders", "starting orders\nfatal: failed to init storage: no database connection available\n")
            .Object(Service("db")).Object(NotReadySlice("db")).Object(Oom("db-0"));
        await replay.StartAsync();
        chat = await ChatStandIn.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Inbox:Path"] = inbox,
            ["Pipeline:BaseBackoff"] = "00:00:00.050",
            ["Kubernetes:Enabled"] = "true",
            ["Kubernetes:Server"] = replay.Server!.Url.ToString(),
            ["Routes:default:Slack:WebhookUrl"] = chat.SlackWebhookUrl,
            ["Routes:default:Teams:WorkflowUrl"] = chat.TeamsUrl,
            ["Routes:default:Webhook:Url"] = chat.WebhookUrl,
        };
        app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(settings));
            b.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        });
        _ = app.Server;
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await chat.DisposeAsync();
        await replay.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(inbox)!, recursive: true);
    }

    [Fact]
    public async Task ADsnsHostIsFollowedAndItsPasswordReachesNoSinkLogOrBundle()
    {
        var response = await app.CreateClient().PostAsync("/alerts", new StringContent(Payload(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await Eventually.True(() => chat.AcceptedCount("slack-webhook") >= 1 && chat.AcceptedCount("teams") >= 1 && chat.AcceptedCount("webhook") >= 1,
            () => $"a delivery to every destination; got {string.Join(", ", chat.Requests.Select(r => $"{r.Endpoint} {r.Status}"))}");

        // The host survived collection: the dependency behind it was followed to its pod.
        var document = chat.To("webhook").First().Body;
        Assert.Contains("db (shop) has 0 ready endpoints: db-0", document);
        var bundle = Directory.CreateTempSubdirectory("capture-").FullName;
        try
        {
            Assert.Equal(0, await CommandLine.RunAsync(["capture", "--server", replay.Server!.Url.ToString(), "-n", Ns, PodName, bundle]));
            var written = Directory.EnumerateFiles(bundle, "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();
            var env = BundleReader.Read(bundle, "orders").Pod!.Spec.Containers[0].Env;
            Assert.Equal("postgres://db.shop.svc:5432 (redacted)", env.Single(e => e.Name == "DATABASE_URL").Value);
            Assert.Equal(EnvRedaction.Redacted, env.Single(e => e.Name == "DB_PASSWORD").Value);
            Assert.Equal("orders-creds", env.Single(e => e.Name == "API_TOKEN").ValueFrom.SecretKeyRef.Name);
            var container = BundleReader.Read(bundle, "orders").Pod!.Spec.Containers[0];
            Assert.Equal(["--db-password=(redacted)", "--auth-token", "(redacted)", "--db-dsn", "postgres://db.shop.svc:5432/orders?(redacted)", "--config=/etc/orders/config.yaml"], container.Args);
            Assert.Equal(["sh", "-c", "exec orders --admin-password (redacted) \"$@\""], container.Command);
            // The bundle gives the live conclusion about the dependency.
            var offline = new CrashClassifier().Classify(BundleReader.Read(bundle, "orders"));
            Assert.Contains("db (shop) has 0 ready endpoints: db-0", offline.Findings.Single(f => f.Kind == FindingKinds.ServiceEndpoints).Text);

            var bodies = chat.AllBodies;
            var logText = string.Join('\n', logs.Entries.Select(e => e.Message));
            foreach (var needle in Needles)
            {
                Assert.False(bodies.Contains(needle, StringComparison.Ordinal), $"planted env secret in an outbound body: {needle}");
                Assert.False(logText.Contains(needle, StringComparison.Ordinal), $"planted env secret in the log: {needle}");
                Assert.DoesNotContain(written, text => text.Contains(needle, StringComparison.Ordinal));
            }
            Assert.DoesNotContain(replay.Server.Stats.Requests, r => r.Contains("/secrets", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(bundle, recursive: true);
        }
    }

    static string Payload() => JsonSerializer.Serialize(new
    {
        version = "4", groupKey = "{}:{alertname=\"KubePodCrashLooping\"}", status = "firing", receiver = "crashloop",
        groupLabels = new { alertname = "KubePodCrashLooping" }, commonLabels = new { }, commonAnnotations = new { },
        externalURL = "http://alertmanager.monitoring:9093", truncatedAlerts = 0,
        alerts = new[]
        {
            new
            {
                status = "firing",
                labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping", ["namespace"] = Ns, ["pod"] = PodName, ["container"] = "orders" },
                annotations = new Dictionary<string, string>(),
                startsAt = "2026-11-24T20:41:00Z", endsAt = "0001-01-01T00:00:00Z", generatorURL = "http://prometheus:9090/graph", fingerprint = "fp-env",
            },
        },
    });

    static V1Service Service(string name) => new()
    {
        ApiVersion = "v1", Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
        Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = name }, Ports = [new V1ServicePort { Port = 5432 }] },
    };

    static V1EndpointSlice NotReadySlice(string service) => new()
    {
        ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice", AddressType = "IPv4",
        Metadata = new V1ObjectMeta { Name = $"{service}-x7k2p", NamespaceProperty = Ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        Endpoints = [new V1Endpoint { Addresses = ["10.1.2.3"], Conditions = new V1EndpointConditions { Ready = false }, TargetRef = new V1ObjectReference { Kind = "Pod", Name = $"{service}-0" } }],
    };

    static V1Pod Oom(string name)
    {
        var pod = Pod(name, Container("db", "postgres:16"));
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "db" };
        pod.Status.ContainerStatuses = [CrashLooping("db", 14, 137, "OOMKilled")];
        return pod;
    }
}
