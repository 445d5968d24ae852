using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Webhook.Alerts;
using Webhook.Pipeline;

namespace Webhook.Observability;

public static class ObservabilityExtensions
{
    static readonly string[] Meters = [AlertsMetrics.MeterName, PipelineMetrics.MeterName, InboxMetrics.MeterName, Webhook.Collect.KubernetesMetrics.MeterName, Webhook.Collect.Prometheus.PrometheusMetrics.MeterName];
    static readonly string[] QuietPaths = ["/healthz", "/readyz", "/metrics"];

    /// <summary>Traces and metrics with OpenTelemetry: /metrics always, OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InboxMetrics>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("crashloop-webhook"))
            .WithTracing(tracing => tracing
                .AddSource(Telemetry.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !QuietPaths.Contains(http.Request.Path.Value)))
            .WithMetrics(metrics => metrics
                .AddMeter(Meters)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();

        // Logs carry the trace id; "Logging:Format": "json" switches to one JSON object per line.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        // Last, so it wraps whatever providers are configured.
        RedactingLoggerProvider.Register(builder.Services);
        return builder;
    }

    public static WebApplication MapMetrics(this WebApplication app)
    {
        // Created eagerly so the inbox gauges exist from the first scrape.
        _ = app.Services.GetRequiredService<InboxMetrics>();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
