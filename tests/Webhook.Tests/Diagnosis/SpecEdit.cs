using k8s;
using k8s.Models;
using Webhook.Bundles;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>
/// A <see cref="Crash"/> with more of the pod spec set (volumes, mounts, pod security context, labels, owner),
/// for the configuration and permission findings; classified directly or through a bundle on disk.
/// </summary>
public sealed record SpecEdit(Crash Crash)
{
    public List<V1Volume> Volumes { get; init; } = [];
    public List<V1VolumeMount> Mounts { get; init; } = [];
    public V1PodSecurityContext? PodSecurity { get; init; }
    public IList<string>? Args { get; init; }
    public bool? EnableServiceLinks { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    /// <summary>The owning Deployment: a ReplicaSet "api-5d8f7c9b6" with pod-template-hash 5d8f7c9b6, unless null.</summary>
    public string? Deployment { get; init; } = "api";
    /// <summary>Answers to follow-up questions, as a bundle's objects/ folder holds them ("Service.shop.api" → JSON).</summary>
    public Dictionary<string, string> Objects { get; init; } = [];

    public PodSnapshot Snapshot()
    {
        var snapshot = Crash.Snapshot();
        var pod = snapshot.Pod!;
        var container = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers).First(c => c.Name == "app");
        if (Volumes.Count > 0) pod.Spec.Volumes = Volumes;
        if (Mounts.Count > 0) container.VolumeMounts = Mounts;
        if (Args is not null) container.Args = Args;
        pod.Spec.SecurityContext = PodSecurity;
        pod.Spec.EnableServiceLinks = EnableServiceLinks;
        pod.Metadata.Annotations = Annotations;
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "api" };
        if (Deployment is not null)
        {
            pod.Metadata.Labels["pod-template-hash"] = "5d8f7c9b6";
            pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = $"{Deployment}-5d8f7c9b6", Uid = "u", Controller = true }];
        }
        return snapshot with { Objects = Objects };
    }

    public CrashDiagnosis Classify() => new CrashClassifier().Classify(Snapshot());

    /// <summary>The same crash written as a bundle folder and read back by <see cref="BundleReader"/>, as `diagnose` does.</summary>
    public CrashDiagnosis ClassifyBundle()
    {
        var snapshot = Snapshot();
        using var bundle = new TempBundle();
        bundle.Write("pod.json", KubernetesJson.Serialize(snapshot.Pod!));
        bundle.Write("events.json", KubernetesJson.Serialize(new Corev1EventList { Items = snapshot.Events.ToList() }));
        if (Crash.Log is not null) bundle.Write("logs/app.previous.log", Crash.Log);
        if (Objects.Count > 0)
        {
            Directory.CreateDirectory(System.IO.Path.Combine(bundle.Path, "objects"));
            foreach (var (key, json) in Objects) bundle.Write($"objects/{key}.json", json);
        }
        return new CrashClassifier().Classify(BundleReader.Read(bundle.Path));
    }

    public static V1Volume ConfigMap(string name, string configMap, params (string Key, string Path)[] items) => new()
    {
        Name = name,
        ConfigMap = new V1ConfigMapVolumeSource { Name = configMap, Items = items.Length == 0 ? null : items.Select(i => new V1KeyToPath { Key = i.Key, Path = i.Path }).ToList() },
    };

    public static V1Volume Claim(string name, string claim) => new() { Name = name, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } };

    public static V1VolumeMount Mount(string name, string path, string? subPath = null, bool? readOnly = null) =>
        new() { Name = name, MountPath = path, SubPath = subPath, ReadOnlyProperty = readOnly };

    public static V1EnvVar Literal(string name, string value) => new() { Name = name, Value = value };

    public static V1EnvVar FromSecret(string name, string secret, string key) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key } } };

    public static V1EnvVar FromConfigMap(string name, string configMap, string key, bool? optional = null) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = configMap, Key = key, Optional = optional } } };
}

public static class DiagnosisAsserts
{
    public static void NoStep(this CrashDiagnosis d, string text) =>
        Assert.DoesNotContain(d.Remediation, r => r.Contains(text, StringComparison.OrdinalIgnoreCase));

    public static void Step(this CrashDiagnosis d, params string[] texts) =>
        Assert.True(d.Remediation.Any(r => texts.All(t => r.Contains(t, StringComparison.Ordinal))),
            $"no step contains all of [{string.Join(", ", texts)}]; steps:\n{string.Join("\n", d.Remediation)}");
}
