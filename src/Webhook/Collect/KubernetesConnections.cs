using System.Collections.Concurrent;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Logging;

namespace Webhook.Collect;

/// <summary>
/// One API connection per cluster (<see cref="KubernetesHttp"/>), found the way kubectl finds it (Kubernetes:Server for tests and the demo,
/// else Kubernetes:Kubeconfig, in-cluster, KUBECONFIG, ~/.kube/config) but never the client's silent fallback
/// to http://localhost:8080: with nothing found, one warning at start and every alert gets a gap instead.
/// </summary>
public sealed class KubernetesConnections : IDisposable
{
    readonly KubernetesOptions options;
    readonly ILogger logger;
    readonly ClusterConnection defaultConnection;
    readonly ConcurrentDictionary<string, Lazy<ClusterConnection>> byContext = new();
    readonly List<IDisposable> clients = [];
    readonly ClusterEnvironment environment;
    readonly Func<IKubernetesApi, IKubernetesApi>? share;

    /// <param name="share">Wraps each cluster's API, e.g. in <see cref="SharedReadsApi"/> for the service's storms; null: every read goes out.</param>
    public KubernetesConnections(KubernetesOptions options, ILogger<KubernetesConnections> logger, ClusterEnvironment? environment = null,
        Func<IKubernetesApi, IKubernetesApi>? share = null)
    {
        this.options = options;
        this.logger = logger;
        this.environment = environment ?? ClusterEnvironment.Current;
        this.share = share;
        defaultConnection = CreateDefault();
    }

    /// <summary>Why there is no default cluster, or null when there is one.</summary>
    public string? Unavailable => defaultConnection.Gap;

    /// <summary>The connection for an alert's <c>cluster</c> label (ignored when Kubernetes:Clusters is empty).</summary>
    public ClusterConnection Resolve(string? cluster)
    {
        if (options.Clusters.Count == 0 || cluster is null || !string.IsNullOrEmpty(options.Server))
            return defaultConnection;
        if (!options.Clusters.TryGetValue(cluster, out var context))
            return ClusterConnection.Unavailable($"cluster '{cluster}' is not in Kubernetes:Clusters; not inspected");
        return byContext.GetOrAdd(context, c => new Lazy<ClusterConnection>(() => CreateForContext(cluster, c))).Value;
    }

    ClusterConnection CreateDefault()
    {
        if (!options.Enabled)
            return ClusterConnection.Unavailable("kubernetes: disabled (Kubernetes:Enabled is false)");
        if (!string.IsNullOrEmpty(options.Server))
            return Connect(new KubernetesClientConfiguration { Host = options.Server }, $"{options.Server} (Kubernetes:Server, test/demo only)");
        var context = NullIfEmpty(options.Context);
        try
        {
            if (context is null && string.IsNullOrEmpty(options.Kubeconfig) && environment.InCluster)
                return Connect(KubernetesClientConfiguration.InClusterConfig(), "in-cluster service account");
            var files = KubeconfigFiles();
            if (files.Length == 0)
            {
                var reason = "not running in a cluster and no kubeconfig found (Kubernetes:Kubeconfig, KUBECONFIG, ~/.kube/config)";
                CollectLog.NoCluster(logger, reason);
                return ClusterConnection.Unavailable($"no Kubernetes cluster configured: {reason}");
            }
            return Connect(FromKubeconfig(files, context), $"kubeconfig {files[0].FullName}, context {context ?? "(current)"}");
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            CollectLog.NoCluster(logger, e.Message);
            return ClusterConnection.Unavailable($"no usable Kubernetes configuration: {e.Message}");
        }
    }

    ClusterConnection CreateForContext(string cluster, string context)
    {
        try
        {
            var files = KubeconfigFiles();
            if (files.Length == 0)
                throw new KubeConfigException("no kubeconfig found");
            return Connect(FromKubeconfig(files, context), $"cluster {cluster}: context {context}");
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            CollectLog.ClusterUnusable(logger, cluster, e.Message);
            return ClusterConnection.Unavailable($"cluster '{cluster}' (context '{context}') is unusable: {e.Message}");
        }
    }

    ClusterConnection Connect(KubernetesClientConfiguration config, string source)
    {
        var direct = KubernetesHttp.Connect(config, options.HttpTimeout, KubernetesRetry.Handlers(options));
        var api = share?.Invoke(direct) ?? direct;
        lock (clients)
        {
            clients.Add(direct);
            if (!ReferenceEquals(api, direct) && api is IDisposable wrapper) clients.Add(wrapper);
        }
        CollectLog.Connected(logger, source);
        return new ClusterConnection(api, null);
    }

    // The client's merge of several files is not public; like most tools, take the first that exists.
    static KubernetesClientConfiguration FromKubeconfig(FileInfo[] files, string? context) =>
        KubernetesClientConfiguration.BuildConfigFromConfigFile(files[0], context);

    FileInfo[] KubeconfigFiles()
    {
        if (!string.IsNullOrEmpty(options.Kubeconfig))
            return [new FileInfo(options.Kubeconfig)];
        if (!string.IsNullOrEmpty(environment.KubeconfigVariable))
            return environment.KubeconfigVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(p => new FileInfo(p)).Where(f => f.Exists).ToArray();
        return File.Exists(environment.HomeKubeconfig) ? [new FileInfo(environment.HomeKubeconfig)] : [];
    }

    static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    public void Dispose()
    {
        lock (clients)
            foreach (var c in clients)
                c.Dispose();
    }
}
