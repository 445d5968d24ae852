using k8s;
using k8s.Models;
using Webhook.Tests.Support;
using YamlDotNet.Serialization;

namespace Webhook.Tests.Deploy;

/// <summary>Every kustomization renders with the real kubectl, and what it renders is what the README promises.</summary>
public sealed class DeployManifestTests
{
    public static TheoryData<string> Kustomizations()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.PathOf("deploy"), "kustomization.yaml", SearchOption.AllDirectories).Order())
            data.Add(Path.GetRelativePath(Repo.Root, Path.GetDirectoryName(file)!));
        return data;
    }

    static async Task<List<string>> RenderAsync(string directory)
    {
        var (exit, stdout, stderr) = await Repo.RunAsync("kubectl", "kustomize", directory);
        Assert.True(exit == 0, $"kubectl kustomize {directory} failed: {stderr}");
        return stdout.Split("\n---\n", StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task EveryKustomizationRendersDocumentsThatParse(string directory)
    {
        var documents = await RenderAsync(directory);
        Assert.NotEmpty(documents);
        var yaml = new DeserializerBuilder().Build();
        foreach (var document in documents)
        {
            var parsed = yaml.Deserialize<Dictionary<string, object>>(document);
            Assert.True(parsed.ContainsKey("apiVersion") && parsed.ContainsKey("kind"), $"no apiVersion/kind in:\n{document}");
        }
    }

    [Fact]
    public async Task TheExampleDeploymentRunsLockedDownWithProbesAndAPersistentInbox()
    {
        var documents = await RenderAsync("deploy/overlays/example");
        var deployment = KubernetesYaml.Deserialize<V1Deployment>(documents.Single(d => d.Contains("kind: Deployment")));
        var pod = deployment.Spec.Template.Spec;
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
        Assert.Contains(container.EnvFrom, e => e.SecretRef?.Name?.StartsWith("crashloop-webhook") == true);
        Assert.Contains(documents, d => d.Contains("kind: Secret"));
        Assert.Contains(documents, d => d.Contains("kind: PodDisruptionBudget"));
        Assert.Contains(documents, d => d.Contains("kind: ServiceAccount"));
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
            .SelectMany(d => d.Split('\n').Contains("kind: ClusterRole") ? KubernetesYaml.Deserialize<V1ClusterRole>(d).Rules : KubernetesYaml.Deserialize<V1Role>(d).Rules)
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

    [Fact]
    public async Task TheNetworkPolicySelectsOnlyTheWebhookAndAdmitsAlertmanager()
    {
        var documents = await RenderAsync("deploy/base");
        var policy = KubernetesYaml.Deserialize<V1NetworkPolicy>(documents.Single(d => d.Contains("kind: NetworkPolicy")));

        Assert.Equal("crashloop-webhook", policy.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        var from = Assert.Single(Assert.Single(policy.Spec.Ingress).FromProperty);
        Assert.Equal("alertmanager", from.PodSelector.MatchLabels["app.kubernetes.io/name"]);
    }

    [Fact]
    public async Task ThePrometheusRulesPassPromtoolAndMatchThePrometheusRuleResource()
    {
        var (exit, stdout, stderr) = await Repo.RunAsync("promtool", "check", "rules", "deploy/prometheus/rules.yaml");
        Assert.True(exit == 0, stdout + stderr);

        var yaml = new DeserializerBuilder().Build();
        var plain = yaml.Deserialize<Dictionary<string, object>>(await File.ReadAllTextAsync(Repo.PathOf("deploy", "prometheus", "rules.yaml")));
        var resource = yaml.Deserialize<Dictionary<string, object>>(await File.ReadAllTextAsync(Repo.PathOf("deploy", "base", "prometheusrule.yaml")));
        var serializer = new SerializerBuilder().Build();
        Assert.Equal(serializer.Serialize(plain["groups"]), serializer.Serialize(((Dictionary<object, object>)resource["spec"])["groups"]));
    }

    [Fact]
    public async Task TheExampleAlertmanagerConfigPassesAmtool()
    {
        var (exit, stdout, stderr) = await Repo.RunAsync("amtool", "check-config", "deploy/prometheus/alertmanager.yml");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("/alerts/team-a", await File.ReadAllTextAsync(Repo.PathOf("deploy", "prometheus", "alertmanager.yml")));
    }

    [Fact]
    public void TheImageBuildsWithThePublishCommandThatCiRuns()
    {
        const string publish = "dotnet publish src/Webhook/Webhook.csproj -c Release -o";
        Assert.Contains($"RUN {publish} /app", File.ReadAllText(Repo.PathOf("Dockerfile")));
        Assert.Contains(publish, File.ReadAllText(Repo.PathOf("tests", "run.sh")));
        var dockerfile = File.ReadAllText(Repo.PathOf("Dockerfile"));
        Assert.Contains("USER 1654", dockerfile);
        Assert.DoesNotContain("HEALTHCHECK", dockerfile);
        Assert.Contains("VOLUME /var/lib/crashloop-webhook", dockerfile);
    }
}
