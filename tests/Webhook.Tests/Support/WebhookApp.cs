using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Webhook.TestHost;

namespace Webhook.Tests.Support;

/// <summary>
/// The service in process, with its own inbox file and whatever settings a test gives; <paramref name="pipeline"/>
/// false leaves the stored alerts unprocessed, <paramref name="benchmarkEndpoints"/> adds /bench/* (both are
/// test-host switches, not settings of the service: tests/Webhook.TestHost).
/// </summary>
public sealed class WebhookApp(IDictionary<string, string?>? settings = null, bool pipeline = true, bool benchmarkEndpoints = false)
    : WebApplicationFactory<Program>
{
    public const string Token = "test-token-5f2c";
    public string InboxPath { get; } = Path.Combine(Path.GetTempPath(), "webhook-tests", Guid.NewGuid().ToString("n"), "inbox.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Inbox:Path", InboxPath);
        builder.UseSetting("Auth:BearerToken", Token);
        builder.UseSetting("Pipeline:BaseBackoff", "00:00:00.050");
        builder.UseSetting("Pipeline:PollInterval", "00:00:00.050");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Never the developer's own cluster: tests that need Kubernetes point Kubernetes:Server at a replay server.
        builder.UseSetting("Kubernetes:Enabled", "false");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
        if (!pipeline) builder.WithoutPipeline();
        if (benchmarkEndpoints) builder.WithBenchmarkEndpoints();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(Path.GetDirectoryName(InboxPath)!, recursive: true); } catch (IOException) { }
    }
}

public static class WebhookAppClients
{
    /// <summary>A client with the test token, also for a factory derived with WithWebHostBuilder.</summary>
    public static HttpClient CreateAuthorizedClient(this WebApplicationFactory<Program> app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", WebhookApp.Token);
        return client;
    }
}
