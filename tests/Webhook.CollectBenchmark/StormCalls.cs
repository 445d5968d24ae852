using System.Text.RegularExpressions;

namespace Webhook.CollectBenchmark;

/// <summary>The storm's Kubernetes API calls by path (pod names as POD), to tell per-pod reads from shared ones.</summary>
static partial class StormCalls
{
    /// <summary>Prints the Markdown table; <paramref name="requests"/> are the replay server's (only the collected row makes any).</summary>
    public static void Report(int alerts, IReadOnlyList<string> requests)
    {
        if (requests.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine("API calls by path, collected from the replay API server (pod names as POD):");
        Console.WriteLine();
        Console.WriteLine("| path | calls | per alert |");
        Console.WriteLine("| --- | ---: | ---: |");
        foreach (var g in requests.GroupBy(Shape).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
            Console.WriteLine($"| `{g.Key}` | {g.Count()} | {(double)g.Count() / alerts:0.00} |");
    }

    /// <summary>A request's path with the storm's pod names as POD, and of its query only what tells reads apart (the previous log, a selector).</summary>
    static string Shape(string pathAndQuery)
    {
        var parts = pathAndQuery.Split('?', 2);
        var path = PodName().Replace(parts[0], "POD");
        var query = parts.Length < 2 ? [] : parts[1].Split('&')
            .Where(q => q.StartsWith("previous=", StringComparison.Ordinal) || q.StartsWith("labelSelector=", StringComparison.Ordinal))
            .Select(q => PodName().Replace(Uri.UnescapeDataString(q), "POD")).ToArray();
        return query.Length == 0 ? path : $"{path}?{string.Join("&", query)}";
    }

    [GeneratedRegex(@"api-7d9f-\d{5}")]
    private static partial Regex PodName();
}
