using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Webhook.Replay;

namespace Webhook.Demo;

/// <summary>
/// <c>demo</c>: the service with no cluster at all. The replay API server serves the sample bundles of
/// tests/samples as if they were a cluster, the service collects from it, and one alert per sample pod is
/// posted to the service's own intake, so real diagnoses appear in the console within seconds.
/// </summary>
public static partial class DemoMode
{
    public static IServiceCollection AddDemo(this IServiceCollection services, ReplayServer? replay)
    {
        if (replay is not null)
        {
            services.AddSingleton(replay);
            services.AddHostedService<SampleAlerts>();
        }
        return services;
    }

    /// <summary>Posts one KubePodCrashLooping alert per sample pod through the real intake once the service listens.</summary>
    sealed partial class SampleAlerts(ReplayServer replay, IServer server, IHostApplicationLifetime lifetime, IConfiguration configuration, ILogger<SampleAlerts> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() => _ = PostAsync());
            return Task.CompletedTask;
        }

        async Task PostAsync()
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            if (address is null) return;
            using var http = new HttpClient { BaseAddress = new Uri(address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")) };
            if (configuration["Auth:BearerToken"] is { Length: > 0 } token) http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var now = DateTimeOffset.UtcNow;
            // Built as a JSON tree, not anonymous types: Native AOT has no reflection-based serializer.
            var alerts = new JsonArray(replay.Store.PodNames.Order().Select(p => (JsonNode)new JsonObject
            {
                ["status"] = "firing",
                ["labels"] = new JsonObject { ["alertname"] = "KubePodCrashLooping", ["namespace"] = p.Ns, ["pod"] = p.Name, ["severity"] = "warning" },
                ["annotations"] = new JsonObject { ["summary"] = "Pod is crash looping." },
                ["startsAt"] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["endsAt"] = "0001-01-01T00:00:00Z",
                ["generatorURL"] = "http://prometheus.demo/graph",
                ["fingerprint"] = $"demo-{p.Ns}-{p.Name}",
            }).ToArray());
            var body = new JsonObject
            {
                ["version"] = "4", ["status"] = "firing", ["receiver"] = "demo", ["groupKey"] = "{}:{alertname=\"KubePodCrashLooping\"}",
                ["externalURL"] = "http://alertmanager.demo", ["alerts"] = alerts,
            };
            try
            {
                var response = await http.PostAsync("/alerts", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
                LogPosted(logger, alerts.Count, (int)response.StatusCode);
            }
            catch (HttpRequestException ex)
            {
                LogFailed(logger, ex.Message);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "demo: posted {Count} sample alerts to /alerts, answer {Status}; diagnoses follow")]
        static partial void LogPosted(ILogger logger, int count, int status);

        [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "demo: could not post the sample alerts: {Reason}")]
        static partial void LogFailed(ILogger logger, string reason);
    }
}
