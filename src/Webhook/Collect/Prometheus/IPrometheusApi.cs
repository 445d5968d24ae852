namespace Webhook.Collect.Prometheus;

/// <summary>
/// The one Prometheus call we make: a range query, answered with the API's JSON as it came (the snapshot and the
/// bundle keep it verbatim, taxonomy.md metrics/NAME.json). Failures surface as <see cref="PrometheusException"/>
/// (Prometheus said no), <see cref="HttpRequestException"/> (unreachable) or a timeout; callers turn them into gaps.
/// </summary>
public interface IPrometheusApi
{
    Task<string> QueryRangeAsync(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken ct);
}

/// <summary>Prometheus answered, but not with data: an HTTP error status or <c>"status": "error"</c>.</summary>
public sealed class PrometheusException(string message) : Exception(message);
