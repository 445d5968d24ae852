using System.Diagnostics.Metrics;

namespace Webhook.Pipeline;

public sealed class PipelineMetrics
{
    public const string MeterName = "Webhook.Pipeline";
    readonly Counter<long> _deliveries;
    readonly Counter<long> _gaveUp;
    readonly Counter<long> _diagnoses;
    readonly Histogram<double> _stage;

    public PipelineMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("webhook.deliveries", "{delivery}", "Delivery attempts by destination kind and outcome");
        _gaveUp = meter.CreateCounter<long>("webhook.items.failed", "{item}", "Items given up: failed (rejected for good) or dead (still failing at Pipeline:MaxRetryAge)");
        _diagnoses = meter.CreateCounter<long>("webhook.diagnoses", "{diagnosis}", "Diagnoses by cause");
        _stage = meter.CreateHistogram<double>("webhook.stage.duration", "s", "Time spent per pipeline stage",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    public void Delivery(string kind, string outcome) => _deliveries.Add(1, new("kind", kind), new("outcome", outcome));
    public void GaveUp(string state) => _gaveUp.Add(1, new KeyValuePair<string, object?>("state", state));
    public void Diagnosis(string cause) => _diagnoses.Add(1, new KeyValuePair<string, object?>("cause", cause));
    public void Stage(string stage, TimeSpan elapsed) => _stage.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));
}
