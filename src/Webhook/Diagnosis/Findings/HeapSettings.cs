using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Webhook.Diagnosis;

/// <summary>
/// The heap caps a container's spec sets, where the runtime reads them: JVM -Xmx / -XX:MaxRAMPercentage in any
/// literal env value or in command/args (JAVA_OPTS, JAVA_TOOL_OPTIONS, _JAVA_OPTIONS, ES_JAVA_OPTS,
/// KAFKA_HEAP_OPTS, SOLR_JAVA_MEM...), the products' own heap variables (Cassandra MAX_HEAP_SIZE, Solr
/// SOLR_HEAP), Node's --max-old-space-size (NODE_OPTIONS or args), GOMEMLIMIT and DOTNET_GCHeapHardLimit
/// (hexadecimal, as every DOTNET_ setting). A value from a ConfigMap or Secret is unknown here: the cap then
/// says where it comes from.
/// </summary>
public static partial class HeapSettings
{
    public sealed record Cap(string Runtime, string Token, string Setting, string Variable, string Source)
    {
        /// <summary>The cap in bytes, when the spec says it outright (not for a percentage).</summary>
        public long? Bytes { get; init; }
        /// <summary>MaxRAMPercentage / GCHeapHardLimitPercent: the share of the container limit.</summary>
        public double? Percent { get; init; }
        /// <summary>The whole literal value of the env variable (or the args word) the cap is in.</summary>
        public string? WholeValue { get; init; }
        /// <summary>The value comes from a ConfigMap or Secret: the snapshot does not know it.</summary>
        public bool Known { get; init; } = true;
        /// <summary>Heap as a share of the limit a product recommends: half for search and storage engines that rely on the page cache.</summary>
        public double TargetShare { get; init; } = 0.75;
        public int EnvIndex { get; init; } = -1;
        /// <summary>For a cap in command or args: the index of the word in that list.</summary>
        public int ArgIndex { get; init; } = -1;

        /// <summary>The heap in bytes under this limit (a percentage needs the limit).</summary>
        public long? HeapBytes(long? limit) => Bytes ?? (Percent is { } p && limit is { } l ? (long)(l * p / 100) : null);
    }

    /// <summary>Products whose own heap variable holds a JVM size or options; they want the heap at half the memory.</summary>
    static readonly string[] HalfHeapVariables = ["ES_JAVA_OPTS", "OPENSEARCH_JAVA_OPTS", "KAFKA_HEAP_OPTS", "MAX_HEAP_SIZE", "SOLR_HEAP", "SOLR_JAVA_MEM"];

    /// <summary>Known heap variables; a reference to one of them is reported even though its value is not in the spec.</summary>
    static readonly string[] HeapVariables =
    [
        "JAVA_OPTS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "ES_JAVA_OPTS", "OPENSEARCH_JAVA_OPTS", "KAFKA_HEAP_OPTS",
        "MAX_HEAP_SIZE", "SOLR_HEAP", "SOLR_JAVA_MEM", "NODE_OPTIONS", "GOMEMLIMIT", "DOTNET_GCHeapHardLimit", "DOTNET_GCHeapHardLimitPercent",
    ];

    public static IReadOnlyList<Cap> Of(V1Container? container)
    {
        var caps = new List<Cap>();
        if (container is null) return caps;
        var env = container.Env ?? [];
        for (var i = 0; i < env.Count; i++)
        {
            var e = env[i];
            if (e.Name is null) continue;
            if (e.ValueFrom is { } from)
            {
                if (HeapVariables.Contains(e.Name, StringComparer.Ordinal))
                    caps.Add(new Cap(RuntimeOf(e.Name), "unknown", $"{e.Name} (value not in the spec)", e.Name, FromText(from))
                    { Known = false, EnvIndex = i, TargetShare = Share(e.Name) });
                continue;
            }
            caps.AddRange(FromValue(e.Name, e.Value ?? "", $"env {e.Name}", i));
        }
        var words = (container.Command ?? []).Select((w, i) => ("command", w, i)).Concat((container.Args ?? []).Select((w, i) => ("args", w, i)));
        foreach (var (where, word, index) in words)
            caps.AddRange(FromValue(where, word, $"spec {where}", -1).Select(c => c with { WholeValue = word, ArgIndex = index }));
        return caps;
    }

    /// <summary>The cap the runtime obeys: _JAVA_OPTIONS over the command line over other options over JAVA_TOOL_OPTIONS; -Xmx over a percentage.</summary>
    public static Cap? Binding(IReadOnlyList<Cap> caps, string runtime)
    {
        var ofRuntime = caps.Where(c => c.Runtime == runtime).ToList();
        if (ofRuntime.Count == 0) return null;
        return ofRuntime
            .OrderByDescending(c => c.Variable switch { "_JAVA_OPTIONS" => 4, "command" or "args" => 3, "JAVA_TOOL_OPTIONS" => 1, _ => 2 })
            .ThenByDescending(c => c.Token is "xmx" or "node" or "gomemlimit" or "dotnet" or "max-heap-size" or "solr-heap" ? 1 : 0)
            .ThenByDescending(c => c.Known)
            .First();
    }

    static IEnumerable<Cap> FromValue(string variable, string value, string source, int index)
    {
        var share = Share(variable);
        var caps = new List<Cap>();
        foreach (Match m in Xmx().Matches(value))
            caps.Add(new Cap("jvm", "xmx", m.Value, variable, source) { Bytes = JvmSize(m.Groups["size"].Value), WholeValue = value, EnvIndex = index, TargetShare = share });
        foreach (Match m in RamPercentage().Matches(value))
            caps.Add(new Cap("jvm", "percent", m.Value, variable, source) { Percent = Number(m.Groups["n"].Value), WholeValue = value, EnvIndex = index, TargetShare = share });
        foreach (Match m in OldSpace().Matches(value))
            caps.Add(new Cap("node", "node", m.Value, variable, source)
            { Bytes = long.TryParse(m.Groups["mb"].Value, out var mb) ? mb << 20 : null, WholeValue = value, EnvIndex = index });
        switch (variable)
        {
            case "GOMEMLIMIT" when GoSize(value) is { } go:
                caps.Add(new Cap("go", "gomemlimit", $"GOMEMLIMIT={value}", variable, source) { Bytes = go, WholeValue = value, EnvIndex = index, TargetShare = 0.9 });
                break;
            case "DOTNET_GCHeapHardLimit" or "COMPlus_GCHeapHardLimit" when Hex(value) is { } hard:
                caps.Add(new Cap("dotnet", "dotnet", $"{variable}={value}", variable, source) { Bytes = hard, WholeValue = value, EnvIndex = index });
                break;
            case "DOTNET_GCHeapHardLimitPercent" or "COMPlus_GCHeapHardLimitPercent" when Hex(value) is { } percent:
                caps.Add(new Cap("dotnet", "dotnet-percent", $"{variable}={value}", variable, source) { Percent = percent, WholeValue = value, EnvIndex = index });
                break;
            case "MAX_HEAP_SIZE" when JvmSize(value.Trim()) is { } cassandra:
                caps.Add(new Cap("jvm", "max-heap-size", $"MAX_HEAP_SIZE={value}", variable, source) { Bytes = cassandra, WholeValue = value, EnvIndex = index, TargetShare = share });
                break;
            case "SOLR_HEAP" when JvmSize(value.Trim()) is { } solr:
                caps.Add(new Cap("jvm", "solr-heap", $"SOLR_HEAP={value}", variable, source) { Bytes = solr, WholeValue = value, EnvIndex = index, TargetShare = share });
                break;
        }
        return caps;
    }

    /// <summary>
    /// The value holds nothing but runtime memory and GC flags (or a bare size), so it can be quoted in a finding
    /// and a command: a literal env value may otherwise hold a credential (-Dpassword=…).
    /// </summary>
    public static bool OnlyMemoryFlags(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(w => MemoryFlag().IsMatch(w));

    [GeneratedRegex(@"^(?:-X[\w:+=.%-]*|--max[-_]old[-_]space[-_]size=\d+|0x[0-9a-fA-F]+|\d+(?:[kKmMgGtT]|[KMGT]iB|B)?)$")]
    private static partial Regex MemoryFlag();

    static double Share(string variable) => HalfHeapVariables.Contains(variable, StringComparer.Ordinal) ? 0.5 : 0.75;

    static string RuntimeOf(string variable) => variable switch
    {
        "NODE_OPTIONS" => "node",
        "GOMEMLIMIT" => "go",
        _ when variable.StartsWith("DOTNET_", StringComparison.Ordinal) => "dotnet",
        _ => "jvm",
    };

    static string FromText(V1EnvVarSource from) =>
        from.ConfigMapKeyRef is { } c ? $"configMap {c.Name} key {c.Key}"
        : from.SecretKeyRef is { } s ? $"secret {s.Name} key {s.Key}"
        : from.FieldRef is { } f ? $"field {f.FieldPath}"
        : from.ResourceFieldRef is { } r ? $"resource {r.Resource}"
        : "another source";

    /// <summary>A JVM size: 768m, 1G, 2048k, or bytes.</summary>
    public static long? JvmSize(string text)
    {
        var m = Size().Match(text);
        if (!m.Success || !long.TryParse(m.Groups["n"].Value, out var n)) return null;
        return char.ToLowerInvariant(m.Groups["u"].Value.FirstOrDefault()) switch
        {
            'k' => n << 10, 'm' => n << 20, 'g' => n << 30, 't' => n << 40, _ => n,
        };
    }

    /// <summary>GOMEMLIMIT: bytes with an optional B, KiB, MiB, GiB or TiB suffix; "off" is no limit.</summary>
    static long? GoSize(string text)
    {
        var m = GoLimit().Match(text.Trim());
        if (!m.Success || !long.TryParse(m.Groups["n"].Value, out var n)) return null;
        return m.Groups["u"].Value switch { "KiB" => n << 10, "MiB" => n << 20, "GiB" => n << 30, "TiB" => n << 40, _ => n };
    }

    static long? Hex(string text)
    {
        var t = text.Trim();
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) t = t[2..];
        return long.TryParse(t, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    static double? Number(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>A size in the JVM's own notation, rounded to MiB: 1536m, 2g.</summary>
    public static string JvmText(long bytes)
    {
        var mi = bytes >> 20;
        return mi % 1024 == 0 ? $"{(mi / 1024).ToString(CultureInfo.InvariantCulture)}g" : $"{mi.ToString(CultureInfo.InvariantCulture)}m";
    }

    /// <summary>A size the way Kubernetes writes it: 1536Mi, 2Gi.</summary>
    public static string QuantityText(long bytes)
    {
        var mi = (long)Math.Round(bytes / (double)(1 << 20));
        return mi % 1024 == 0 ? $"{(mi / 1024).ToString(CultureInfo.InvariantCulture)}Gi" : $"{mi.ToString(CultureInfo.InvariantCulture)}Mi";
    }

    [GeneratedRegex(@"-Xmx(?<size>\d+[kKmMgGtT]?)\b")]
    private static partial Regex Xmx();

    [GeneratedRegex(@"-XX:MaxRAMPercentage=(?<n>\d+(?:\.\d+)?)")]
    private static partial Regex RamPercentage();

    [GeneratedRegex(@"--max[-_]old[-_]space[-_]size[= ](?<mb>\d+)")]
    private static partial Regex OldSpace();

    [GeneratedRegex(@"^(?<n>\d+)(?<u>[kKmMgGtT])?[bB]?$")]
    private static partial Regex Size();

    [GeneratedRegex(@"^(?<n>\d+)(?<u>B|KiB|MiB|GiB|TiB)?$")]
    private static partial Regex GoLimit();
}
