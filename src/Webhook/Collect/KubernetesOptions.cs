namespace Webhook.Collect;

/// <summary>Where the cluster is and how hard the collector may lean on it. Bound from the "Kubernetes" section.</summary>
public sealed class KubernetesOptions
{
    public const string Section = "Kubernetes";
    /// <summary>False: no cluster is looked for and notifications carry the alert alone (tests, or chats without RBAC).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Kubeconfig file; empty: in-cluster, else KUBECONFIG, else ~/.kube/config.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Kubeconfig context; empty: the file's current context.</summary>
    public string? Context { get; set; }

    /// <summary>
    /// Plain-HTTP API server URL, for the replay server in tests and the demo only.
    /// Wins over every other source and carries no credentials.
    /// </summary>
    public string? Server { get; set; }

    /// <summary>Alert label <c>cluster</c> → kubeconfig context. Empty: the label is ignored and one cluster is used.</summary>
    public Dictionary<string, string> Clusters { get; set; } = [];

    public NamespaceFilterOptions Namespaces { get; set; } = new();

    public LogOptions Logs { get; set; } = new();

    /// <summary>All API calls for one alert must finish within this; what is late becomes a gap.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The client's own per-request timeout (its default is 100 s, far longer than an alert may wait).</summary>
    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>API calls in flight at once across all alerts and clusters, so an alert storm cannot flood the API server.</summary>
    public int MaxConcurrentCalls { get; set; } = 16;

    /// <summary>Retries of a GET after 429, 5xx or a transport error.</summary>
    public int RetryAttempts { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Globs over namespace names (<c>*</c>, <c>?</c>); deny wins; an empty allow list allows all.</summary>
public sealed class NamespaceFilterOptions
{
    public List<string> Allow { get; set; } = [];
    public List<string> Deny { get; set; } = [];
}

public sealed class LogOptions
{
    /// <summary>Lines of the crashed instance's log to keep.</summary>
    public int TailLines { get; set; } = 300;

    /// <summary>Bytes of log kept in memory per log; older bytes are dropped while reading.</summary>
    public int MaxBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Bytes the API server may send (its <c>limitBytes</c>). The server cuts from the start of the tail,
    /// so this is larger than <see cref="MaxBytes"/> to keep the last lines, where the crash usually is.
    /// </summary>
    public int ReadLimitBytes { get; set; } = 1024 * 1024;

    /// <summary>Lines of the running instance's log (secondary evidence).</summary>
    public int CurrentTailLines { get; set; } = 100;
}
