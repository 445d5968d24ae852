using Webhook.Alerts;
using Webhook.Cli;
using Webhook.Collect;
using Webhook.Collect.Prometheus;
using Webhook.Demo;
using Webhook.Diagnosis;
using Webhook.Inbox;
using Webhook.Notify;
using Webhook.Observability;
using Webhook.Operations;
using Webhook.Pipeline;

// Every verb goes through the command line (Cli/CommandLine.cs); "serve" (the default) and "demo" come back here
// with the configuration arguments, and "demo" with the replay server it started (Demo/DemoMode.cs).
return await CommandLine.RunAsync(args, (args, replay) => StartupGuard.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.Configuration.AddShippedDefaults();
    // A busy port or a bad setting is one line (StartupGuard), not the host's stack-trace log.
    builder.Logging.AddStartupGuard();

    // Intake: Alertmanager's webhook, authenticated, checked, acknowledged once durable.
    builder.Services.AddAlertIntake();
    // Inbox: the durable queue between the intake and the workers (SQLite, or PostgreSQL for several replicas).
    builder.Services.AddInbox();
    // Destinations per route: Slack, Teams, generic webhook, or the console.
    builder.Services.AddDestinations();
    // Slack and Teams: renderers, redaction, delivery resilience, storm digests.
    builder.Services.AddChatNotifiers(builder.Configuration);
    // Kubernetes enrichment: pod, events, --previous logs, owner chain, node.
    builder.Services.AddPodCollector(builder.Configuration);
    // Memory history for OOM-like diagnoses: Prometheus (Prometheus:Url), else metrics.k8s.io.
    builder.Services.AddMemoryHistory(builder.Configuration);
    // The crash-cause classifier (pure rules over the snapshot).
    builder.Services.AddCrashClassifier();
    // Pipeline: collect → classify → render → deliver, with durable retries.
    builder.Services.AddPipeline();
    // Traces, metrics (/metrics, OTLP) and structured logs.
    builder.AddObservability();
    builder.Services.AddDemo(replay);
    // Health, readiness, status, and the start-up checks of configuration.
    builder.Services.AddOperations();

    var app = builder.Build();
    await app.ValidateConfigurationAsync();
    app.UseExceptionHandler();
    app.UseStatusCodePages();
    app.MapAlerts();
    app.MapOperations();
    app.MapMetrics();
    await app.RunAsync();
}));

public partial class Program;
