using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Webhook.Collect.Prometheus;

/// <summary>
/// <see cref="IPrometheusApi"/> over a plain HttpClient: GET /api/v1/query_range, with the Kubernetes GETs' resilience
/// (a per-attempt timeout, bounded jittered retries on 429/5xx/timeouts/transport errors, never for unsafe methods).
/// </summary>
public sealed class PrometheusApi(Func<HttpClient> client, Uri baseUrl) : IPrometheusApi
{
    public const string HttpClientName = "prometheus";

    /// <summary>Over one client the caller owns (the command line, tests).</summary>
    public PrometheusApi(HttpClient http, Uri baseUrl) : this(() => http, baseUrl) { }

    /// <summary>A client from the factory per query, so its handlers (and DNS) are rotated as the factory intends.</summary>
    public PrometheusApi(IHttpClientFactory factory, Uri baseUrl) : this(() => factory.CreateClient(HttpClientName), baseUrl) { }

    /// <summary>A range answer larger than this is not one container's hour of memory: refuse it rather than buffer it.</summary>
    const int MaxBodyBytes = 8 * 1024 * 1024;

    public async Task<string> QueryRangeAsync(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken ct)
    {
        var url = new Uri(Base(baseUrl), "api/v1/query_range?query=" + Uri.EscapeDataString(query)
            + "&start=" + Unix(start) + "&end=" + Unix(end)
            + "&step=" + step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture));
        using var response = await client().GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await ReadBoundedAsync(response.Content, ct);
        if (!response.IsSuccessStatusCode)
            throw new PrometheusException(ErrorOf(body) is { } error
                ? $"Prometheus answered {(int)response.StatusCode}: {error}"
                : $"Prometheus answered {(int)response.StatusCode}{(response.StatusCode == HttpStatusCode.NotFound ? " (is Prometheus:Url the API's base URL?)" : "")}");
        string? status;
        try
        {
            using var json = JsonDocument.Parse(body);
            status = json.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
        }
        catch (JsonException)
        {
            throw new PrometheusException("Prometheus answered something that is not its JSON API (is Prometheus:Url right?)");
        }
        if (status != "success")
            throw new PrometheusException($"Prometheus query failed: {ErrorOf(body) ?? status ?? "no status"}");
        return body;
    }

    /// <summary>The resilience of the Kubernetes GETs: per-attempt timeout inside bounded retries.</summary>
    public static DelegatingHandler Resilience(PrometheusOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.RetryAttempts > 0)
            builder.AddRetry(KubernetesRetry.ForGets(options.RetryAttempts, options.RetryDelay));
        builder.AddTimeout(options.Timeout);
        return new ResilienceHandler(builder.Build());
    }

    /// <summary>For the command line and tests: a client of its own, with the same handler as the service's.</summary>
    public static (PrometheusApi Api, HttpClient Http) Create(PrometheusOptions options)
    {
        var handler = Resilience(options);
        handler.InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        return (new PrometheusApi(http, new Uri(options.Url!)), http);
    }

    static Uri Base(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    static string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    static string? ErrorOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
            {
                var type = json.RootElement.TryGetProperty("errorType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() + ": " : "";
                var text = type + e.GetString();
                return text.Length > 300 ? text[..300] + "…" : text;
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                throw new PrometheusException($"Prometheus answer larger than {MaxBodyBytes / (1024 * 1024)} MiB; not read");
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
