using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Webhook.Collect;
using Webhook.Diagnosis;

namespace Webhook.Bundles;

/// <summary>
/// Loads a diagnosis bundle (taxonomy.md: pod.json, events.json, logs/C.previous.log, logs/C.log, objects/, metrics/,
/// and capture's owners/) into the same <see cref="PodSnapshot"/> the collector produces, the workload and its
/// template diff included (<see cref="BundleOwners"/>). Log files are read from the end, at most
/// <see cref="MaxLogBytes"/>, so a 10 MB log costs what a small one does.
/// </summary>
public static class BundleReader
{
    public const int MaxLogBytes = 256 * 1024;

    public static PodSnapshot Read(string folder, string? container = null)
    {
        if (!Directory.Exists(folder))
            throw new BundleException($"bundle folder not found: {folder}");
        var podPath = Path.Combine(folder, "pod.json");
        if (!File.Exists(podPath))
            throw new BundleException($"no pod.json in {folder} (capture it with: kubectl get pod POD -n NS -o json > pod.json)");

        var pod = Parse<V1Pod>(podPath);
        if (pod?.Metadata?.Name is null)
            throw new BundleException($"{podPath} is not a pod (metadata.name missing)");
        var name = container ?? CrashFacts.MostRestarted(pod);
        if (container is not null && !Names(pod).Contains(container))
            throw new BundleException($"unknown container '{container}' in pod {pod.Metadata.Name} (it has: {string.Join(", ", Names(pod))})");

        var gaps = new List<string>();
        var events = ReadEvents(Path.Combine(folder, "events.json"), gaps);
        var previous = name is null ? null : ReadLog(Path.Combine(folder, "logs", $"{name}.previous.log"), LogSource.Previous);
        var current = name is null ? null : ReadLog(Path.Combine(folder, "logs", $"{name}.log"), LogSource.Current);
        if (previous is null) gaps.Add("no previous log in the bundle");

        var objects = ReadFolder(Path.Combine(folder, "objects"));
        return new PodSnapshot
        {
            Namespace = pod.Metadata.NamespaceProperty ?? "default",
            PodName = pod.Metadata.Name,
            Container = name,
            Pod = pod,
            Events = events,
            PreviousLog = previous,
            CurrentLog = current,
            Node = pod.Spec?.NodeName is { } node ? new NodeInfo { Name = node } : null,
            Workload = BundleOwners.Workload(folder, pod, objects),
            Gaps = gaps,
            Objects = objects,
            Metrics = ReadFolder(Path.Combine(folder, "metrics")),
        };
    }

    /// <summary>objects/KIND.NS.NAME.json or metrics/NAME.json, keyed by the file name without ".json"; a folder that is not there is no answers.</summary>
    static IReadOnlyDictionary<string, string> ReadFolder(string folder)
    {
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(folder)) return answers;
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            try { using var _ = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new BundleException($"{file} is not valid JSON: {e.Message.Split('\n')[0]}", e); }
            answers[Path.GetFileNameWithoutExtension(file)] = text;
        }
        return answers;
    }

    static List<string> Names(V1Pod pod) =>
        (pod.Spec?.InitContainers ?? []).Concat(pod.Spec?.Containers ?? []).Select(c => c.Name)
            .Concat((pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []).Select(s => s.Name))
            .Distinct().ToList();

    static IReadOnlyList<Corev1Event> ReadEvents(string path, List<string> gaps)
    {
        if (!File.Exists(path))
        {
            gaps.Add("no events.json in the bundle");
            return [];
        }
        var text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text)) return [];
        // kubectl writes a List object; a bare array is accepted too, read as the items of one (the client's
        // generated JSON knows the List type, not List<T>).
        if (text.TrimStart().StartsWith('['))
            text = $"{{\"items\":{text}}}";
        return Parse<Corev1EventList>(path, text)?.Items?.ToList() ?? [];
    }

    static T? Parse<T>(string path, string? text = null) where T : class
    {
        try
        {
            return KubernetesObjectJson.Deserialize<T>(text ?? File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new BundleException($"{path} is not valid JSON: {e.Message.Split('\n')[0]}", e);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or NotSupportedException or OverflowException)
        {
            // Well-formed JSON with a value of the wrong shape, such as an unparsable timestamp.
            throw new BundleException($"{path} does not match the Kubernetes schema: {e.Message.Split('\n')[0]}", e);
        }
    }

    /// <summary>The last <see cref="MaxLogBytes"/> of a log file, starting at a line boundary when cut.</summary>
    public static LogTail? ReadLog(string path, LogSource source)
    {
        if (!File.Exists(path)) return null;
        using var stream = File.OpenRead(path);
        var truncated = stream.Length > MaxLogBytes;
        if (truncated) stream.Seek(-MaxLogBytes, SeekOrigin.End);
        var buffer = new byte[Math.Min(stream.Length, MaxLogBytes)];
        stream.ReadExactly(buffer);
        var start = 0;
        if (truncated)
        {
            // Skip the partial first line (and any split UTF-8 sequence with it).
            var newline = Array.IndexOf(buffer, (byte)'\n');
            start = newline < 0 ? buffer.Length : newline + 1;
        }
        return new LogTail(Encoding.UTF8.GetString(buffer, start, buffer.Length - start), source, truncated);
    }
}
