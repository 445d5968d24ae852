using Webhook.Tests.Support;

namespace Webhook.Tests.Backbone;

/// <summary>A bad setting stops the process at start with one clear line naming the key.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Pipeline:Workers", "0", "Pipeline:Workers")]
    [InlineData("Alerts:MaxBodyBytes", "many", "Alerts:MaxBodyBytes")]
    [InlineData("Routes:team-a:Webhook:Url", "not a url", "Routes:team-a:Webhook:Url")]
    [InlineData("Auth:Username", "alertmanager", "Auth:Password")]
    [InlineData("Inbox:Path", "/proc/forbidden/inbox.db", "Inbox:Path")]
    // PostgreSQL without a database to use; an engine we do not have.
    [InlineData("Inbox:Provider", "postgres", "Inbox:ConnectionString must be set when Inbox:Provider is postgres")]
    [InlineData("Inbox:Provider", "mysql", "Inbox:Provider: 'mysql' is not one of Sqlite, Postgres")]
    public async Task ABadSettingStopsTheServiceWithOneLineNamingTheKey(string key, string value, string named)
    {
        using var temp = TestTemp.NewFolder();
        var inbox = temp.File("inbox.db");
        var settings = new Dictionary<string, string> { ["Inbox:Path"] = inbox, [key] = value };
        await using var service = ServiceProcess.Start(settings);

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exitCode);
        var errorLines = service.Output.Split('\n').Where(l => l.StartsWith("Configuration error:")).ToList();
        Assert.Single(errorLines);
        Assert.Contains(named, errorLines[0]);
        Assert.DoesNotContain("   at ", service.Output);
    }

    [Fact]
    public async Task ServeIsTheDefaultVerb()
    {
        using var temp = TestTemp.NewFolder();
        var inbox = temp.File("inbox.db");
        await using var service = ServiceProcess.Start(new Dictionary<string, string> { ["Inbox:Path"] = inbox }, args: "serve");

        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AToolWithAMissingArgumentSaysSoInOneLine()
    {
        await using var tool = ServiceProcess.Start(new Dictionary<string, string>(), args: "diagnose");

        Assert.Equal(2, await tool.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(tool.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("diagnose: ", line);
    }
}
