using Microsoft.Extensions.Options;
using Webhook.Alerts;
using Webhook.Notify;

namespace Webhook.Operations;

/// <summary>Builds what is configured at start, so every bad setting shows up before the first alert.</summary>
public sealed partial class StartupChecks(DestinationRegistry destinations, IOptions<AuthOptions> auth, ILogger<StartupChecks> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (auth.Value.IsOpen) LogOpen(logger);
        foreach (var route in destinations.RouteNames)
            LogRoute(logger, route, string.Join(", ", destinations.For(route)!.Select(n => n.Kind)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Neither Auth:BearerToken nor Auth:Username is set: anyone who can reach /alerts can post alerts")]
    static partial void LogOpen(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Route {Route} delivers to: {Destinations}")]
    static partial void LogRoute(ILogger logger, string route, string destinations);
}
