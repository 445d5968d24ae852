using System.Text;
using System.Xml.Linq;
using k8s;
using k8s.Models;
using Webhook.Tests.Support;
using YamlDotNet.Serialization;

namespace Webhook.Tests.Deploy;

/// <summary>
/// Every kustomization renders with the real kubectl, and what it renders is what the README promises. The
/// overlays render from a copy of deploy/ in a temporary folder with a filled-in secrets.env, as a user's would.
/// </summary>
public sealed class DeployManifestTests : IDisposable
{
    const string Image = "ghcr.io/crashloop-webhook/crashloop-webhook";
    static readonly string[] Overlays = ["deploy/overlays/example", "deploy/overlays/prometheus-operator", "deploy/overlays/kube-prometheus-stack", "deploy/overlays/ha-postgres"];
    readonly string temp = Path.Combine(Path.GetTempPath(), "webhook-tests", $"deploy-{Guid.NewGuid():n}");
    readonly string token = $"test-token-{Guid.NewGuid():n}";

    public DeployManifestTests()
    {
        CopyDirectory(Repo.PathOf("deploy"), Path.Combine(temp, "deploy"));
        File.Delete(SecretsEnv);
    }

    public void Dispose() => Directory.Delete(temp, recursive: true);

    string SecretsEnv => Path.Combine(temp, "deploy", "secret", "secrets.env");

    void FillSecretsEnv() => File.WriteAllText(SecretsEnv, $"Auth__BearerToken={token}\nRoutes__default__Slack__WebhookUrl=https://hooks.slack.invalid/T/B/test\n");

    static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.GetDirectories(from)) CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
    }

    public static TheoryData<string> Kustomizations()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.PathOf("deploy"), "kustomization.yaml", SearchOption.AllDirectories).Order())
            data.Add(Path.GetRelativePath(Repo.Root, Path.GetDirectoryName(file)!));
        return data;
    }

    public static TheoryData<string> OverlayData() => [.. Overlays];

    static async Task<(int Exit, string Stdout, string Stderr)> KustomizeAsync(string directory) =>
        await Repo.RunAsync("kubectl", "kustomize", directory);

    /// <summary>The rendered objects of a kustomization (a path relative to the copy of the repository).</summary>
    async Task<List<Rendered>> RenderAsync(string directory)
    {
        var (exit, stdout, stderr) = await KustomizeAsync(Path.Combine(temp, directory));
        Assert.True(exit == 0, $"kubectl kustomize {directory} failed: {stderr}");
        var yaml = new DeserializerBuilder().Build();
        return stdout.Split("\n---\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(text => new Rendered(text, yaml.Deserialize<Dictionary<string, object>>(text)))
            .ToList();
    }

    sealed record Rendered(string Text, Dictionary<string, object> Fields)
    {
        public string Kind => (string)Fields["kind"];
        public string ApiVersion => (string)Fields["apiVersion"];
        Dictionary<object, object> Metadata => (Dictionary<object, object>)Fields["metadata"];
        public string Name => (string)Metadata["name"];
        public string? Namespace => Metadata.TryGetValue("namespace", out var ns) ? (string)ns : null;
        public IReadOnlyDictionary<string, string> Labels =>
            Metadata.TryGetValue("labels", out var labels) ? ((Dictionary<object, object>)labels).ToDictionary(p => (string)p.Key, p => (string)p.Value) : new();
        public T As<T>() => ManifestYaml.Deserialize<T>(Text);
    }

    static Rendered Single(List<Rendered> documents, string kind, string? name = null) =>
        Assert.Single(documents, d => d.Kind == kind && (name is null || d.Name == name));

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task EveryKustomizationRendersObjectsWithKindAndApiVersion(string directory)
    {
        FillSecretsEnv();
        var documents = await RenderAsync(directory);

        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.True(d.Fields.ContainsKey("apiVersion") && d.Fields.ContainsKey("kind"), d.Text));
    }

    [Theory]
    [MemberData(nameof(OverlayData))]
    public async Task NoOverlayBuildsWithoutAFilledInSecretsEnv(string overlay)
    {
        var (exit, _, stderr) = await KustomizeAsync(Path.Combine(temp, overlay));

        Assert.NotEqual(0, exit);
        Assert.Contains("secrets.env", stderr);
    }

    [Fact]
    public async Task SecretsEnvIsIgnoredByGitAndTheExampleIsNot()
    {
        var (ignored, _, _) = await Repo.RunAsync("git", "check-ignore", "-q", "deploy/secret/secrets.env");
        var (example, _, _) = await Repo.RunAsync("git", "check-ignore", "-q", "deploy/secret/secrets.env.example");

        Assert.Equal(0, ignored);
        Assert.Equal(1, example);
    }

    [Theory]
    [MemberData(nameof(OverlayData))]
    public async Task EveryOverlayHasOneSecretThatTheServiceReadsAndNoExampleCredential(string overlay)
    {
        FillSecretsEnv();
        var documents = await RenderAsync(overlay);

        var secret = Single(documents, "Secret").As<V1Secret>();
        Assert.Equal("crashloop-webhook", secret.Metadata.Name);
        Assert.Equal(token, Encoding.UTF8.GetString(secret.Data["Auth__BearerToken"]));
        var container = Single(documents, "Deployment").As<V1Deployment>().Spec.Template.Spec.Containers.Single();
        Assert.Equal(secret.Metadata.Name, Assert.Single(container.EnvFrom).SecretRef.Name);

        var all = string.Join("\n", documents.Select(d => d.Text));
        foreach (var line in File.ReadAllLines(Repo.PathOf("deploy", "secret", "secrets.env.example")).Where(l => l.Contains('=') && !l.StartsWith('#')))
        {
            var value = line[(line.IndexOf('=') + 1)..];
            Assert.DoesNotContain(value, all);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), all);
        }
    }

    [Fact]
    public async Task TheBaseNeedsNoOperatorCrdsAndLabelsEveryObject()
    {
        var documents = await RenderAsync("deploy/base");

        string[] builtIn = ["v1", "apps/v1", "policy/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"];
        Assert.All(documents, d => Assert.Contains(d.ApiVersion, builtIn));
        Assert.All(documents, d => Assert.Equal("crashloop-webhook", d.Labels.GetValueOrDefault("app.kubernetes.io/name")));
        Assert.Equal(
            ["ClusterRole", "ClusterRoleBinding", "Deployment", "NetworkPolicy", "PersistentVolumeClaim", "PodDisruptionBudget", "Service", "ServiceAccount"],
            documents.Select(d => d.Kind).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(OverlayData))]
    public async Task TheSelectorsSelectTheServicePodsAndTheImageTagIsTheVersion(string overlay)
    {
        FillSecretsEnv();
        var documents = await RenderAsync(overlay);

        var deployment = Single(documents, "Deployment").As<V1Deployment>();
        var podLabels = deployment.Spec.Template.Metadata.Labels;
        static bool Selects(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
            selector.Count > 0 && selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value);
        Assert.True(Selects(deployment.Spec.Selector.MatchLabels, podLabels));
        Assert.True(Selects(Single(documents, "Service").As<V1Service>().Spec.Selector, podLabels));
        Assert.True(Selects(Single(documents, "PodDisruptionBudget").As<V1PodDisruptionBudget>().Spec.Selector.MatchLabels, podLabels));
        Assert.All(documents.Where(d => d.Kind == "NetworkPolicy"), p => Assert.True(Selects(p.As<V1NetworkPolicy>().Spec.PodSelector.MatchLabels, podLabels)));
        Assert.Equal(Single(documents, "ServiceAccount").Name, deployment.Spec.Template.Spec.ServiceAccountName);

        var version = XDocument.Load(Repo.PathOf("Directory.Build.props")).Descendants("Version").Single().Value;
        Assert.Equal($"{Image}:{version}", deployment.Spec.Template.Spec.Containers.Single().Image);
    }

    [Fact]
    public async Task AnOverlayInAnotherNamespaceBindsTheServiceAccountOfThatNamespace()
    {
        FillSecretsEnv();
        var overlay = Path.Combine(temp, "deploy", "overlays", "team-x");
        Directory.CreateDirectory(overlay);
        await File.WriteAllTextAsync(Path.Combine(overlay, "kustomization.yaml"),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: team-x\nbases:\n  - ../example\n");

        var documents = await RenderAsync("deploy/overlays/team-x");

        var binding = Single(documents, "ClusterRoleBinding").As<V1ClusterRoleBinding>();
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", "crashloop-webhook", "team-x"), (subject.Kind, subject.Name, subject.NamespaceProperty));
        Assert.All(documents.Where(d => d.Kind is not ("ClusterRole" or "ClusterRoleBinding")), d => Assert.Equal("team-x", d.Namespace));
    }

    [Fact]
    public async Task ThePrometheusOperatorOverlayHasOurRuleAndAServiceMonitorOfTheService()
    {
        FillSecretsEnv();
        var documents = await RenderAsync("deploy/overlays/prometheus-operator");

        Assert.Equal("monitoring.coreos.com/v1", Single(documents, "PrometheusRule").ApiVersion);
        AssertScrapesTheService(documents);
    }

    [Fact]
    public async Task TheKubePrometheusStackOverlayHasAServiceMonitorWithTheReleaseLabelAndNoRuleOfOurs()
    {
        FillSecretsEnv();
        var documents = await RenderAsync("deploy/overlays/kube-prometheus-stack");

        Assert.DoesNotContain(documents, d => d.Kind == "PrometheusRule");
        Assert.Equal("kube-prometheus-stack", Single(documents, "ServiceMonitor").Labels["release"]);
        AssertScrapesTheService(documents);
    }

    [Fact]
    public async Task ThePlainOverlayHasNoOperatorObjects()
    {
        FillSecretsEnv();
        var documents = await RenderAsync("deploy/overlays/example");

        Assert.DoesNotContain(documents, d => d.ApiVersion.StartsWith("monitoring.coreos.com", StringComparison.Ordinal));
    }

    static void AssertScrapesTheService(List<Rendered> documents)
    {
        var monitor = Single(documents, "ServiceMonitor");
        Assert.Equal("monitoring.coreos.com/v1", monitor.ApiVersion);
        var spec = (Dictionary<object, object>)monitor.Fields["spec"];
        var selector = (Dictionary<object, object>)((Dictionary<object, object>)spec["selector"])["matchLabels"];
        var service = Single(documents, "Service");
        Assert.All(selector, p => Assert.Equal(p.Value, service.Labels.GetValueOrDefault((string)p.Key)));
        var endpoint = (Dictionary<object, object>)Assert.Single((List<object>)spec["endpoints"]);
        Assert.Contains(service.As<V1Service>().Spec.Ports, p => p.Name == (string)endpoint["port"]);
        Assert.Equal("/metrics", endpoint["path"]);
        // Prometheus may reach the port: a NetworkPolicy beside the base's admits it.
        Assert.Contains(documents.Where(d => d.Kind == "NetworkPolicy").Select(d => d.As<V1NetworkPolicy>()),
            p => p.Spec.Ingress.Any(i => i.FromProperty.Any(f =>
                f.PodSelector?.MatchLabels is { } labels && labels.TryGetValue("app.kubernetes.io/name", out var name) && name == "prometheus")));
    }

    [Fact]
    public async Task TheNetworkPolicySelectsOnlyTheWebhookAndAdmitsAlertmanager()
    {
        var documents = await RenderAsync("deploy/base");
        var policy = Single(documents, "NetworkPolicy").As<V1NetworkPolicy>();

        Assert.Equal("crashloop-webhook", policy.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        var from = Assert.Single(Assert.Single(policy.Spec.Ingress).FromProperty);
        Assert.Equal("alertmanager", from.PodSelector.MatchLabels["app.kubernetes.io/name"]);
    }

    [Fact]
    public async Task TheExampleDeploymentRunsLockedDownWithProbesAndAPersistentInbox()
    {
        FillSecretsEnv();
        var documents = await RenderAsync("deploy/overlays/example");
        var pod = Single(documents, "Deployment").As<V1Deployment>().Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.NotNull(container.Resources.Limits["memory"]);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == "inbox").PersistentVolumeClaim);
        Assert.Contains(documents, d => d.Kind == "PodDisruptionBudget");
    }

    /// <summary>Read-only and secret-free, and exactly the follow-up reads the Investigate stage makes are granted.</summary>
    [Theory]
    [InlineData("deploy/rbac/clusterrole.yaml")]
    [InlineData("deploy/rbac/namespaced-role.yaml")]
    public void TheRbacReadsWithoutSecretsOrWritesAndGrantsTheFollowUpReads(string file)
    {
        var rules = File.ReadAllText(Repo.PathOf(file)).Split("\n---\n")
            // Top-level kinds only: a binding's roleRef says "kind: ClusterRole" indented.
            .Where(d => d.Split('\n').Any(l => l is "kind: ClusterRole" or "kind: Role"))
            .SelectMany(d => d.Split('\n').Contains("kind: ClusterRole") ? ManifestYaml.Deserialize<V1ClusterRole>(d).Rules : ManifestYaml.Deserialize<V1Role>(d).Rules)
            .ToList();
        Assert.NotEmpty(rules);
        foreach (var rule in rules)
        {
            Assert.DoesNotContain("secrets", rule.Resources);
            Assert.DoesNotContain("*", rule.Resources);
            Assert.All(rule.Verbs, v => Assert.Contains(v, new[] { "get", "list" }));
        }
        bool Grants(string group, string resource, string verb) =>
            rules.Any(r => r.ApiGroups.Contains(group) && r.Resources.Contains(resource) && r.Verbs.Contains(verb));
        Assert.True(Grants("", "services", "get") && Grants("", "services", "list"));
        Assert.True(Grants("discovery.k8s.io", "endpointslices", "list"));
        Assert.True(Grants("", "configmaps", "get") && !Grants("", "configmaps", "list"));
        Assert.True(Grants("", "pods", "list"));
        Assert.True(Grants("apps", "controllerrevisions", "list"));
    }

    /// <summary>Issue 15's deployment: replicas that share PostgreSQL roll, spread and drain one at a time, with no volume to move.</summary>
    [Fact]
    public async Task TheHaPostgresOverlayRunsThreeSpreadReplicasOnPostgresWithoutAVolumeClaim()
    {
        FillSecretsEnv();
        var documents = await RenderAsync("deploy/overlays/ha-postgres");
        var deployment = Single(documents, "Deployment").As<V1Deployment>();
        var pod = deployment.Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.Equal(3, deployment.Spec.Replicas);
        Assert.Equal("RollingUpdate", deployment.Spec.Strategy.Type);
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal("kubernetes.io/hostname", Assert.Single(pod.TopologySpreadConstraints).TopologyKey);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("postgres", container.Env.Single(e => e.Name == "Inbox__Provider").Value);
        // The connection string holds a password: from the Secret, never a literal in the manifest.
        Assert.DoesNotContain(container.Env, e => e.Name == "Inbox__ConnectionString");
        Assert.Contains(container.EnvFrom, e => e.SecretRef?.Name == "crashloop-webhook");
        Assert.DoesNotContain(documents, d => d.Kind == "PersistentVolumeClaim");
        Assert.Null(pod.Volumes.Single(v => v.Name == "inbox").PersistentVolumeClaim);
        var budget = Single(documents, "PodDisruptionBudget").As<V1PodDisruptionBudget>();
        Assert.Equal("2", budget.Spec.MinAvailable.Value);
        Assert.Null(budget.Spec.MaxUnavailable);
    }

    [Fact]
    public async Task TheEmptyDirPatchOfTheExampleTradesTheVolumeForAnEmptyDir()
    {
        FillSecretsEnv();
        var kustomization = Path.Combine(temp, "deploy", "overlays", "example", "kustomization.yaml");
        var text = await File.ReadAllTextAsync(kustomization);
        await File.WriteAllTextAsync(kustomization, text.Replace("# patchesStrategicMerge:\n#   - inbox-emptydir.yaml", "patchesStrategicMerge:\n  - inbox-emptydir.yaml"));

        var documents = await RenderAsync("deploy/overlays/example");

        var inbox = Single(documents, "Deployment").As<V1Deployment>().Spec.Template.Spec.Volumes.Single(v => v.Name == "inbox");
        Assert.NotNull(inbox.EmptyDir);
        Assert.Null(inbox.PersistentVolumeClaim);
    }

    [Fact]
    public async Task ThePrometheusRulesPassPromtoolAndMatchThePrometheusRuleResource()
    {
        var (exit, stdout, stderr) = await Repo.RunAsync("promtool", "check", "rules", "deploy/prometheus/rules.yaml");
        Assert.True(exit == 0, stdout + stderr);

        var yaml = new DeserializerBuilder().Build();
        var plain = yaml.Deserialize<Dictionary<string, object>>(await File.ReadAllTextAsync(Repo.PathOf("deploy", "prometheus", "rules.yaml")));
        var resource = yaml.Deserialize<Dictionary<string, object>>(await File.ReadAllTextAsync(Repo.PathOf("deploy", "monitoring", "prometheus-operator", "prometheusrule.yaml")));
        var serializer = new SerializerBuilder().Build();
        Assert.Equal(serializer.Serialize(plain["groups"]), serializer.Serialize(((Dictionary<object, object>)resource["spec"])["groups"]));
    }

    /// <summary>
    /// The Alertmanager examples (plain, and kube-prometheus-stack's Helm values) pass amtool, route only
    /// KubePodCrashLooping to the webhook, and read the token from where the Secret is mounted.
    /// </summary>
    [Theory]
    [InlineData("deploy/prometheus/alertmanager.yml", null)]
    [InlineData("deploy/prometheus/kube-prometheus-stack-values.yaml", "alertmanager.config")]
    public async Task TheAlertmanagerExamplesPassAmtoolAndRouteOnlyCrashLoopsWithTheSecretsToken(string file, string? path)
    {
        var yaml = new DeserializerBuilder().Build();
        object config = yaml.Deserialize<Dictionary<object, object>>(await File.ReadAllTextAsync(Repo.PathOf(file)));
        foreach (var part in path?.Split('.') ?? [])
            config = ((Dictionary<object, object>)config)[part];
        var configFile = Path.Combine(temp, "alertmanager.yml");
        await File.WriteAllTextAsync(configFile, new SerializerBuilder().Build().Serialize(config));

        var (exit, stdout, stderr) = await Repo.RunAsync("amtool", "check-config", configFile);
        Assert.True(exit == 0, stdout + stderr);

        var text = await File.ReadAllTextAsync(configFile);
        Assert.Contains("/etc/alertmanager/secrets/crashloop-webhook/Auth__BearerToken", text);
        AssertRoutesOnlyCrashLoops((Dictionary<object, object>)config);
    }

    /// <summary>The top route's receiver is not the webhook; every route to it matches alertname="KubePodCrashLooping".</summary>
    static void AssertRoutesOnlyCrashLoops(Dictionary<object, object> config)
    {
        var receivers = ((List<object>)config["receivers"]).Cast<Dictionary<object, object>>()
            .Where(r => r.ContainsKey("webhook_configs")).Select(r => (string)r["name"]).ToHashSet();
        Assert.NotEmpty(receivers);
        var route = (Dictionary<object, object>)config["route"];
        Assert.DoesNotContain((string)route["receiver"], receivers);
        foreach (var child in ((List<object>)route["routes"]).Cast<Dictionary<object, object>>().Where(r => receivers.Contains((string)r["receiver"])))
            Assert.Contains("alertname=\"KubePodCrashLooping\"", ((List<object>)child["matchers"]).Cast<string>());
    }

    [Fact]
    public void TheReadmesAlertmanagerSnippetRoutesOnlyCrashLoops()
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        var start = readme.IndexOf("```yaml\nroute:", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no Alertmanager snippet");
        var snippet = readme[(start + "```yaml\n".Length)..];
        snippet = snippet[..snippet.IndexOf("```", StringComparison.Ordinal)];

        AssertRoutesOnlyCrashLoops(new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(snippet));
    }

    [Fact]
    public void TheImageShipsTheReplayServerForTheDemoButNoFaultInjection()
    {
        Assert.Null(typeof(Webhook.Replay.ReplayServer).Assembly.GetType("Webhook.Replay.ReplayFaults"));
        Assert.DoesNotContain("Faults", File.ReadAllText(Repo.PathOf("src", "Webhook", "Webhook.csproj")));
        Assert.True(File.Exists(Repo.PathOf("tests", "Webhook.Replay.Faults", "ReplayFaults.cs")));
        // The image is built from src/ only.
        Assert.DoesNotContain("COPY tests", File.ReadAllText(Repo.PathOf("Dockerfile")));
    }

    [Fact]
    public void TheImageBuildsWithThePublishCommandThatCiRunsForEveryPlatform()
    {
        const string publish = "dotnet publish src/Webhook/Webhook.csproj -c Release -o";
        var dockerfile = File.ReadAllText(Repo.PathOf("Dockerfile"));
        Assert.Contains($"RUN {publish} /app -a \"$TARGETARCH\" -p:PublishAot=true", dockerfile);
        // CI publishes the same project; the AOT compile itself only with WEBHOOK_CI_AOT=1 (minutes on 2 cores).
        var ci = File.ReadAllText(Repo.PathOf("tests", "run.sh"));
        Assert.Contains($"{publish} \"$publish\" \"${{aot[@]}}\"", ci);
        Assert.Contains("aot=(-p:PublishAot=true)", ci);
        // Native AOT: the executable itself, on the image without a .NET runtime.
        Assert.Contains("ENTRYPOINT [\"./Webhook\"]", dockerfile);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime-deps:", dockerfile);
        Assert.Contains("USER 1654", dockerfile);
        Assert.DoesNotContain("HEALTHCHECK", dockerfile);
        Assert.Contains("VOLUME /var/lib/crashloop-webhook", dockerfile);
        // Multi-arch with buildx: the SDK runs on the build machine and publishes for the target's architecture.
        Assert.Contains("FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk", dockerfile);
        Assert.Contains("-a \"$TARGETARCH\"", dockerfile);
    }
}
