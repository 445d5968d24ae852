using System.Text.Json.Nodes;

namespace Webhook.Tests.Backbone;

/// <summary>
/// The test host (tests/Webhook.TestHost), which the in-process tests and the benchmarks run, repeats the service's
/// runtime options by hand: its own runtimeconfig.json is the one that applies to its process. A setting added to
/// src/Webhook/Webhook.csproj and not to the test host would make the tests and benchmarks measure another runtime.
/// </summary>
public class RuntimeOptionsTests
{
    [Fact]
    public void TheTestHostRunsWithTheServicesRuntimeOptions()
    {
        var service = ConfigProperties("Webhook");
        var host = ConfigProperties("Webhook.TestHost");

        Assert.NotEmpty(service);
        Assert.Equal(service, host);
    }

    /// <summary>Both executables' runtimeconfig.json are copied next to the tests, as referenced projects' outputs.</summary>
    static SortedDictionary<string, string> ConfigProperties(string assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, $"{assembly}.runtimeconfig.json");
        var properties = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!.AsObject();
        return new(properties.ToDictionary(p => p.Key, p => p.Value!.ToJsonString()), StringComparer.Ordinal);
    }
}
