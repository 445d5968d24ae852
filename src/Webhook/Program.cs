using Webhook.Alerts;
using Webhook.Cli;
using Webhook.Inbox;
using Webhook.Notify;
using Webhook.Observability;
using Webhook.Operations;
using Webhook.Pipeline;

if (CommandLine.IsToolInvocation(args))
    return await CommandLine.RunAsync(args);

return await StartupGuard.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.Configuration.AddShippedDefaults();

    // Intake: Alertmanager's webhook, authenticated, checked, acknowledged once durable.
    builder.Services.AddAlertIntake();
    // Inbox: the SQLite queue between the intake and the workers.
    builder.Services.AddInbox();
    // Destinations per route: Slack, Teams, generic webhook, or the console.
    builder.Services.AddDestinations();
    builder.Services.AddChatNotifiers(builder.Configuration);
    // Pipeline: collect → classify → render → deliver, with durable retries.
    builder.Services.AddPipeline();
    // Traces, metrics (/metrics, OTLP) and structured logs.
    builder.AddObservability();
    // Health, readiness, status, and the start-up checks of configuration.
    builder.Services.AddHostedService<StartupChecks>();

    var app = builder.Build();
    await app.ValidateConfigurationAsync();
    app.UseExceptionHandler();
    app.UseStatusCodePages();
    app.MapAlerts();
    app.MapOperations();
    app.MapMetrics();
    app.MapBenchmarkEndpoint();
    await app.RunAsync();
});

public partial class Program;
