using Microsoft.Extensions.Options;

namespace Webhook.Collect.Prometheus;

/// <summary>Where Prometheus is (optional) and how much memory history to read. Bound from the "Prometheus" section.</summary>
public sealed class PrometheusOptions
{
    public const string Section = "Prometheus";

    /// <summary>
    /// Base URL of the Prometheus HTTP API, e.g. kube-prometheus-stack's
    /// <c>http://RELEASE-kube-prometheus-prometheus.NAMESPACE.svc:9090</c>. Empty: no memory history.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>How far back the memory history of a container goes.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The query_range resolution.</summary>
    public TimeSpan Step { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>One request's timeout (each retry gets its own); the alert's deadline (Kubernetes:Deadline) bounds them all.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a query after 429, 5xx, a timeout or a transport error (queries are GETs).</summary>
    public int RetryAttempts { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}

/// <summary>Stops the process at start with one clear line per bad setting.</summary>
public sealed class PrometheusOptionsValidator : IValidateOptions<PrometheusOptions>
{
    public ValidateOptionsResult Validate(string? name, PrometheusOptions o)
    {
        var errors = new List<string>();
        if (o.Enabled && !IsHttpUrl(o.Url!))
            errors.Add($"Prometheus:Url: '{o.Url}' is not an absolute http(s) URL (e.g. http://kube-prometheus-stack-prometheus.monitoring.svc:9090).");
        if (o.Step < TimeSpan.FromSeconds(1) || o.Step > TimeSpan.FromMinutes(5))
            errors.Add("Prometheus:Step must be between 1 second and 5 minutes.");
        else if (o.Window <= TimeSpan.Zero || o.Window > TimeSpan.FromDays(1) || o.Window / o.Step > 11_000)
            errors.Add("Prometheus:Window must be positive, at most a day, and at most 11000 steps (Prometheus' limit per series).");
        if (o.Timeout <= TimeSpan.Zero || o.Timeout > TimeSpan.FromMinutes(2))
            errors.Add("Prometheus:Timeout must be between 0 and 2 minutes.");
        if (o.RetryAttempts is < 0 or > 10)
            errors.Add("Prometheus:RetryAttempts must be 0..10.");
        if (o.RetryDelay < TimeSpan.Zero)
            errors.Add("Prometheus:RetryDelay must not be negative.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment);
}
