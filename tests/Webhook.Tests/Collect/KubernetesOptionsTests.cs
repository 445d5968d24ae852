using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Webhook.Collect;

namespace Webhook.Tests.Collect;

public sealed class KubernetesOptionsTests
{
    [Fact]
    public async Task TheKubernetesSectionIsBoundAndTheCollectorIsRegistered()
    {
        using var host = Build(new()
        {
            ["Kubernetes:Server"] = "http://127.0.0.1:1",
            ["Kubernetes:Deadline"] = "00:00:03",
            ["Kubernetes:Logs:TailLines"] = "50",
            ["Kubernetes:Namespaces:Deny:0"] = "kube-*",
            ["Kubernetes:Clusters:eu-1"] = "eu-prod",
        });
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<KubernetesOptions>>().Value;
        Assert.Equal((TimeSpan.FromSeconds(3), 50, "kube-*", "eu-prod"),
            (options.Deadline, options.Logs.TailLines, Assert.Single(options.Namespaces.Deny), options.Clusters["eu-1"]));
        Assert.IsType<KubernetesPodCollector>(host.Services.GetRequiredService<IPodCollector>());
        await host.StopAsync();
    }

    [Fact]
    public async Task BadSettingsStopTheHostAtStartWithOneLineEach()
    {
        using var host = Build(new()
        {
            ["Kubernetes:Kubeconfig"] = "/nonexistent/kubeconfig",
            ["Kubernetes:Logs:MaxBytes"] = "10",
            ["Kubernetes:Namespaces:Allow:0"] = "Prod/*",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
        [
            "Kubernetes:Kubeconfig: file '/nonexistent/kubeconfig' does not exist.",
            "Kubernetes:Namespaces: 'Prod/*' is not a namespace glob (lower-case letters, digits, '-', '*', '?').",
            "Kubernetes:Logs:MaxBytes must be 1 KiB..16 MiB.",
        ], error.Failures);
    }

    static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddPodCollector(builder.Configuration);
        return builder.Build();
    }
}
