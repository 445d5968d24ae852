using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Webhook.Observability;
using Webhook.Tests.Support;

namespace Webhook.Tests.Observability;

public sealed class ObservabilityTests : IAsyncLifetime
{
    readonly WebhookApp _app = new();
    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _app.DisposeAsync();

    static StringContent Body(string fingerprint) =>
        new(Payloads.Group(Payloads.Alert(fingerprint)).ToJsonString(), Encoding.UTF8, "application/json");

    [Fact]
    public async Task TheBackgroundWorkJoinsTheIntakeRequestsTrace()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.TraceId == traceId) stopped.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);

        var request = new HttpRequestMessage(HttpMethod.Post, "/alerts") { Content = Body("traced") };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.Accepted, (await _app.CreateAuthorizedClient().SendAsync(request)).StatusCode);

        await Eventually.TrueAsync(() => stopped.Any(a => a.OperationName == "process alert"), TimeSpan.FromSeconds(20),
            "the pipeline span in the request's trace");
        var names = stopped.Select(a => a.DisplayName).ToList();
        Assert.Contains("collect", names);
        Assert.Contains("classify", names);
        Assert.Contains("deliver console", names);
        var process = stopped.Single(a => a.OperationName == "process alert");
        Assert.Equal("unknown", process.GetTagItem("webhook.cause"));
        Assert.Equal("console", stopped.Single(a => a.DisplayName == "deliver console").GetTagItem("webhook.destination.kind"));
    }

    [Fact]
    public async Task MetricsAreServedInPrometheusTextFormat()
    {
        await _app.CreateAuthorizedClient().PostAsync("/alerts", Body("metered"));
        var client = _app.CreateClient();

        await Eventually.TrueAsync(async () => (await client.GetStringAsync("/metrics")).Contains("webhook_deliveries_total"),
            TimeSpan.FromSeconds(20), "a delivery to be counted");
        var text = await client.GetStringAsync("/metrics");
        Assert.Contains("webhook_alerts_received_total{", text);
        Assert.Contains("route=\"default\"", text);
        Assert.Contains("webhook_inbox_items{", text);
        Assert.Contains("webhook_diagnoses_total{", text);
        Assert.Contains("cause=\"unknown\"", text);
    }
}
