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

    public void Received(string route, IReadOnlyList<AlertmanagerAlert> alerts, int ignored)
    {
        // One measurement per status, not per alert: a group of 500 is two updates.
        var firing = 0;
        foreach (var alert in alerts)
            if (alert.Status == "firing") firing++;
        if (firing > 0) _received.Add(firing, new("route", route), new("status", "firing"));
        if (alerts.Count > firing) _received.Add(alerts.Count - firing, new("route", route), new("status", "resolved"));
        if (ignored > 0) _ignored.Add(ignored, new KeyValuePair<string, object?>("route", route));
    }
}
