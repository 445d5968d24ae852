using System.Diagnostics.Metrics;

namespace Webhook.Alerts;

public sealed class AlertsMetrics
{
    public const string MeterName = "Webhook.Alerts";
    readonly Counter<long> _received;
    readonly Counter<long> _ignored;

    public AlertsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _received = meter.CreateCounter<long>("webhook.alerts.received", "{alert}", "Alerts received, by status and route");
        _ignored = meter.CreateCounter<long>("webhook.alerts.ignored", "{alert}", "Alerts acknowledged but not acted on (alertname not configured)");
    }

    public void Received(string route, IEnumerable<AlertmanagerAlert> alerts, int ignored)
    {
        foreach (var alert in alerts)
            _received.Add(1, new("route", route), new("status", alert.Status));
        if (ignored > 0) _ignored.Add(ignored, new KeyValuePair<string, object?>("route", route));
    }
}
