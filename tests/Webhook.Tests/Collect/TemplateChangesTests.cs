using k8s.Models;
using Webhook.Collect;

namespace Webhook.Tests.Collect;

public sealed class TemplateChangesTests
{
    [Fact]
    public void CommandArgsEnvFromAndContainersAddedOrRemovedAreNamedWithoutLiteralValues()
    {
        var before = Template(
            new V1Container { Name = "api", Image = "api:1", Command = ["/app"], Env = [new V1EnvVar { Name = "TOKEN", Value = "s3cret" }] },
            new V1Container { Name = "sidecar", Image = "proxy:1" });
        var after = Template(
            new V1Container
            {
                Name = "api", Image = "api:1", Command = ["/app", "--serve"], Args = ["-v"],
                Env = [new V1EnvVar { Name = "TOKEN", Value = "n3w-s3cret" }],
                EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "api-config" } }],
            },
            new V1Container { Name = "migrate", Image = "migrate:2" });

        var changes = TemplateChanges.Between(before, after);

        Assert.Equal(
        [
            "api: command [/app] → [/app --serve]",
            "api: args (image default) → [-v]",
            "api: env TOKEN value changed",
            "api: envFrom (none) → configMap api-config",
            "container migrate added (image migrate:2)",
            "container sidecar removed",
        ], changes);
        Assert.DoesNotContain(changes, c => c.Contains("s3cret"));
    }

    static V1PodTemplateSpec Template(params V1Container[] containers) => new() { Spec = new V1PodSpec { Containers = containers } };
}
