using System.Text.Json.Nodes;

namespace Webhook.Tests.Support;

/// <summary>Alertmanager webhook bodies as Alertmanager 0.25+ sends them.</summary>
public static class Payloads
{
    public static JsonObject Alert(string fingerprint, string status = "firing", string alertname = "KubePodCrashLooping",
        string startsAt = "2026-11-24T10:00:00Z", string pod = "api-7d9f8c6b5-x2x4q") => new()
    {
        ["status"] = status,
        ["labels"] = new JsonObject
        {
            ["alertname"] = alertname,
            ["namespace"] = "shop",
            ["pod"] = pod,
            ["container"] = "api",
            ["severity"] = "warning",
        },
        ["annotations"] = new JsonObject { ["summary"] = "Pod is crash looping." },
        ["startsAt"] = startsAt,
        ["endsAt"] = status == "resolved" ? "2026-11-24T10:20:00Z" : "0001-01-01T00:00:00Z",
        ["generatorURL"] = "http://prometheus.local/graph?g0.expr=x",
        ["fingerprint"] = fingerprint,
    };

    public static JsonObject Group(params JsonObject[] alerts) => new()
    {
        ["version"] = "4",
        ["groupKey"] = "{}:{alertname=\"KubePodCrashLooping\"}",
        ["truncatedAlerts"] = 0,
        ["status"] = alerts.Any(a => (string?)a["status"] == "firing") ? "firing" : "resolved",
        ["receiver"] = "crashloop",
        ["groupLabels"] = new JsonObject { ["alertname"] = "KubePodCrashLooping" },
        ["commonLabels"] = new JsonObject(),
        ["commonAnnotations"] = new JsonObject(),
        ["externalURL"] = "http://alertmanager.local:9093",
        ["alerts"] = new JsonArray(alerts.Select(a => (JsonNode)a).ToArray()),
    };
}
