using System.Diagnostics.Metrics;

namespace Webhook.Collect.Prometheus;

/// <summary>Prometheus queries by outcome and their latency: a rising "timeout" explains missing memory history.</summary>
public static class PrometheusMetrics
{
    public const string MeterName = "Webhook.Prometheus";
    static readonly Meter Meter = new(MeterName);
    static readonly Counter<long> Queries = Meter.CreateCounter<long>("webhook.prometheus.queries", "{query}", "Prometheus range queries by outcome");
    static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("webhook.prometheus.query.duration", "s", "Prometheus range query latency, retries included");

    public static void Record(string outcome, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        Queries.Add(1, tag);
        Duration.Record(elapsed.TotalSeconds, tag);
    }
}
