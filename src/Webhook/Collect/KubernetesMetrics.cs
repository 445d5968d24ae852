using System.Diagnostics.Metrics;
using k8s.Autorest;

namespace Webhook.Collect;

/// <summary>Kubernetes API calls by outcome: a rising "forbidden" or "timeout" explains gaps in notifications.</summary>
public static class KubernetesMetrics
{
    public const string MeterName = "Webhook.Kubernetes";
    static readonly Meter Meter = new(MeterName);
    static readonly Counter<long> Calls = Meter.CreateCounter<long>("webhook.kubernetes.calls", "{call}", "Kubernetes API calls by outcome");

    static readonly Counter<long> SharedReads = Meter.CreateCounter<long>("webhook.kubernetes.shared_reads", "{read}",
        "Reads of objects many alerts share (owners, node, follow-ups): hit when another alert's read answered it (no API call)");

    public static void RecordSharedRead(bool hit) => SharedReads.Add(1, new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));

    public static void Record(Exception? error) => Calls.Add(1, new KeyValuePair<string, object?>("outcome", Outcome(error)));

    static string Outcome(Exception? error) => error switch
    {
        null => "ok",
        HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.NotFound } => "not_found",
        HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.Forbidden } => "forbidden",
        HttpOperationException { Response.StatusCode: var status } => $"http_{(int)status}",
        OperationCanceledException or TimeoutException => "timeout",
        HttpRequestException => "transport_error",
        _ => "error",
    };
}
