using System.Globalization;
using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// Next steps and the one mechanical change for an OOM kill or a runtime's out-of-memory error, written from the
/// memory-limit and heap-cap findings: which of the two binds (the heap cap or the container limit), the rollout
/// that changed the limit, and concrete sizes (75% of the limit for a heap, half for Elasticsearch, Kafka,
/// Cassandra and Solr, 90% for GOMEMLIMIT).
/// </summary>
public static partial class MemoryAdvice
{
    const long Mi = 1024 * 1024;

    public sealed record Limit(string Text, long? Bytes, string? Request, string? Previous, bool Lowered, string? Revision, string? PreviousRevision, string? Workload)
    {
        public bool None => Bytes is null;

        public static Limit From(Finding? f) => f is null || f.Get("limit") is null or "none"
            ? new Limit("none", null, f?.Get("request"), null, false, null, null, null)
            : new Limit(f.Get("limit")!, long.TryParse(f.Get("limitBytes"), out var b) ? b : null, f.Get("request"), f.Get("previous"),
                f.Get("lowered") == "true", f.Get("revision"), f.Get("previousRevision"), f.Get("workload"));
    }

    public sealed record Heap(string Runtime, string Setting, string Variable, string Source, long? Bytes, double? Percent, bool Known, bool Binding,
        double TargetShare, int EnvIndex, int ArgIndex, string? Value)
    {
        public static Heap From(Finding f) => new(
            f.Get("runtime") ?? "", f.Get("setting") ?? "", f.Get("variable") ?? "", f.Get("source") ?? "",
            long.TryParse(f.Get("heapBytes"), out var b) ? b : null,
            double.TryParse(f.Get("percent"), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : null,
            f.Get("known") == "true", f.Get("binding") == "true",
            double.TryParse(f.Get("targetShare"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 0.75,
            int.TryParse(f.Get("envIndex"), out var e) ? e : -1, int.TryParse(f.Get("argIndex"), out var a) ? a : -1, f.Get("value"));

        public bool IsPercent => Percent is not null;

        /// <summary>The heap in bytes: the finding computed it (a percentage of the limit included) when it could.</summary>
        public long? HeapBytes(long? limit) => Bytes ?? (Percent is { } p && limit is { } l ? (long)(l * p / 100) : null);

        /// <summary>The whole variable is the setting (GOMEMLIMIT=…, DOTNET_GCHeapHardLimit=…), not one option among others.</summary>
        public bool WholeVariable => Setting.StartsWith(Variable + "=", StringComparison.Ordinal);

        /// <summary>"-Xmx768m in env JAVA_OPTS", "env GOMEMLIMIT=1GiB".</summary>
        public string Where => WholeVariable ? $"env {Setting}" : $"{Setting} in {Source}";
    }

    /// <summary>A planned heap setting: the new token, the whole new value where the old one is known, and words for it.</summary>
    sealed record HeapPlan(Heap Heap, string NewSetting, string? NewValue, string Words);

    public sealed record Advice(IReadOnlyList<string> Steps, ProposedChange? Change);

    public static Advice For(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var limit = Limit.From(findings.First(FindingKinds.MemoryLimit));
        var heaps = findings.OfKind(FindingKinds.HeapCap).Select(Heap.From).ToList();
        return match.Cause == Causes.OomKilled ? Kernel(facts, limit, heaps) : Runtime(match.Detail ?? "", facts, limit, heaps);
    }

    // ---- the kernel OOM killer ----

    static Advice Kernel(CrashFacts facts, Limit limit, List<Heap> heaps)
    {
        var steps = new List<string>();
        ProposedChange? change = null;
        var c = facts.ContainerName;
        var binding = heaps.Where(h => h.Binding).ToList();

        if (limit.None)
        {
            steps.Add($"Container {c} has no memory limit: the kernel killed it when node {NodeName(facts)} ran short of memory, not at a limit of its own. "
                + $"Measure its peak (kubectl top pod {Shell.Quote(facts.PodName)} -n {Shell.Quote(facts.Namespace)} --containers, or the container_memory_working_set_bytes metric) "
                + "and set resources.limits.memory to that peak plus about 25%, with requests.memory to match"
                + (limit.Request is null ? "" : $" (requests.memory is {limit.Request} today)"));
            foreach (var h in binding.Where(h => h.IsPercent && h.Runtime == "jvm"))
                steps.Add($"{h.Where} sizes the heap from the node's RAM while the container has no limit: set the memory limit first, so the percentage applies to it");
            if (facts.Snapshot.Node is { Pressure.Count: > 0 } node)
                steps.Add($"Node {node.Name} reports {string.Join(", ", node.Pressure)}: other pods on it compete for the same memory");
            return new Advice(steps, null);
        }

        var bytes = limit.Bytes!.Value;
        var lowered = limit.Previous is not null && limit.Previous != "none" && limit.Lowered;
        if (lowered)
        {
            var rev = limit.Revision is null ? "a recent rollout" : $"revision {limit.Revision}";
            var undo = WorkloadRef.Of(facts) is { } w
                ? $"kubectl rollout undo {w.Resource} -n {Shell.Quote(facts.Namespace)}{(limit.PreviousRevision is { } p ? $" --to-revision={Shell.Quote(p)}" : "")}"
                : "roll the workload back";
            steps.Add($"{limit.Workload} {rev} cut the memory limit of {c} from {limit.Previous} to {limit.Text}, and the kernel now kills it there: roll back ({undo}) or raise the limit back to {limit.Previous}");
            change = SetLimit(facts, limit.Previous!, $"Raise the memory limit of {c} back from {limit.Text} to {limit.Previous}, as before {rev}");
        }
        else if (limit.Previous == "none")
        {
            steps.Add($"{limit.Workload}{(limit.Revision is null ? "" : $" revision {limit.Revision}")} added the {limit.Text} memory limit to {c}, and the kernel now kills it there: the app needs more than that");
        }
        else if (limit.Previous is not null)
        {
            // A raise that did not stop the kills: the working set outgrows any limit, or needs far more than was given.
            steps.Add($"{limit.Workload}{(limit.Revision is null ? "" : $" revision {limit.Revision}")} already raised the memory limit of {c} from {limit.Previous} to {limit.Text}, and the kernel still kills it: "
                + "if it now only runs longer before each kill, memory keeps growing (a leak) and another raise only delays it; find what grows (kubectl top over time, a heap profile) or move to a fixed version");
        }

        // A heap cap at or above the limit: the runtime never collects in time; the kernel kills first.
        var over = binding.Where(h => h.Known && h.Runtime != "jvm" || h.Known && !h.IsPercent).FirstOrDefault(h => h.Bytes is { } b && b >= bytes * (h.Runtime == "jvm" ? 0.9 : 1.0));
        if (over is not null)
        {
            var plan = Resize(over, (long)(bytes * (over.Runtime == "go" ? 0.9 : over.TargetShare)));
            steps.Add($"{over.Where} lets the {RuntimeName(over.Runtime)} heap grow to {HeapSettings.JvmText(over.Bytes!.Value)}, {(over.Bytes >= bytes ? "above" : "right at")} the {limit.Text} limit, "
                + $"so the kernel kills the process before the runtime collects: lower it to {plan.Words} ({Percent(over.TargetShare, over.Runtime)} of the limit)");
            change ??= EnvOrArgChange(facts, plan, $"Lower {over.Setting} to {plan.NewSetting} in {over.Source}, below the {limit.Text} limit");
            if (!lowered) steps.Add($"If the app really needs that much heap, raise the limit with it: keep the heap at about {Percent(over.TargetShare, over.Runtime)} of the limit");
            return new Advice(steps, change);
        }

        var jvm = binding.FirstOrDefault(h => h.Runtime == "jvm" && h.Known);
        var limitAdvised = false;
        if (jvm?.HeapBytes(bytes) is { } heap)
        {
            var room = bytes - heap;
            var needed = Math.Max(bytes / 4, 256 * Mi);
            if (room < needed)
            {
                var newLimit = Tidy(heap + Math.Max(heap / 3, 256 * Mi));
                var lower = jvm.IsPercent
                    ? $"lower it to {Percentage(jvm, Math.Max(40, Math.Floor(100.0 * (bytes - needed) / bytes / 5) * 5) / 100).NewSetting}"
                    : $"lower it to {Resize(jvm, bytes - needed).NewSetting}";
                steps.Add($"The Java heap ({jvm.Where}) takes {HeapSettings.JvmText(heap)} of the {limit.Text} limit and leaves {HeapSettings.JvmText(room)} for metaspace, thread stacks, code cache and direct buffers: "
                    + $"{lower}, or raise the limit to {newLimit} and keep the heap");
                if (!lowered) change ??= SetLimit(facts, newLimit, $"Raise the memory limit of {c} from {limit.Text} to {newLimit}, leaving room beside the {HeapSettings.JvmText(heap)} heap");
                limitAdvised = true;
            }
            else
            {
                steps.Add($"The Java heap is capped at {HeapSettings.JvmText(heap)} ({jvm.Where}), well below the {limit.Text} limit: what grew is memory outside the heap "
                    + "(direct buffers, thread stacks, metaspace, memory-mapped files, or another process in the container). Raise the limit and keep the heap as it is; "
                    + "to see what grows, start the JVM with -XX:NativeMemoryTracking=summary and run jcmd 1 VM.native_memory summary");
            }
        }
        else if (heaps.FirstOrDefault(h => !h.Known) is { } unknown)
        {
            steps.Add($"The heap setting {unknown.Variable} comes from {unknown.Source}; its value is not in the pod spec: check it there and keep the heap at about {Percent(unknown.TargetShare, unknown.Runtime)} of the {limit.Text} limit");
        }
        else if (binding.FirstOrDefault(h => h.Runtime == "node") is null && IsNode(facts))
        {
            var mb = bytes * 3 / 4 / Mi;
            steps.Add($"Node.js sets no heap cap from the container's limit: set NODE_OPTIONS=--max-old-space-size={mb.ToString(CultureInfo.InvariantCulture)} (75% of the {limit.Text} limit, in MiB) so V8 collects and fails with a heap error before the kernel kills it");
        }

        if (limitAdvised)
        {
            steps.Add("If usage keeps growing over the container's lifetime, it is a leak: a larger limit only delays the kill");
        }
        else if (!lowered)
        {
            var suggested = Remedies.Suggest(bytes, facts.Options.MemoryIncreaseFactor);
            if (bytes >= facts.Options.LargeMemoryLimitMiB * Mi)
            {
                steps.Add($"The memory limit is already {limit.Text}: look for a leak before raising it (heap dump or profiler, memory growth per request, unbounded caches/queues)");
                steps.Add($"If the working set really needs more, raise resources.limits.memory from {limit.Text} to {suggested}");
            }
            else
            {
                steps.Add($"Raise resources.limits.memory of {c} from {limit.Text} to {suggested} (and requests.memory to match), then watch kubectl top");
                steps.Add("If usage keeps growing over the container's lifetime, it is a leak: a larger limit only delays the kill");
                change ??= SetLimit(facts, suggested, $"Raise the memory limit of {c} from {limit.Text} to {suggested}");
            }
        }
        return new Advice(steps, change);
    }

    // ---- the runtime's own out-of-memory error ----

    static Advice Runtime(string line, CrashFacts facts, Limit limit, List<Heap> heaps)
    {
        var steps = new List<string>();
        ProposedChange? change = null;
        var kind = Kind(line);
        var runtime = kind switch { "jvm-heap" or "jvm-thread" or "jvm-metaspace" or "jvm-direct" => "jvm", "node" => "node", "go" => "go", "dotnet" => "dotnet", _ => "" };
        var cap = heaps.FirstOrDefault(h => h.Runtime == runtime && h.Binding);
        var capBinds = false;

        switch (kind)
        {
            case "jvm-heap" or "node" or "dotnet":
                (capBinds, change) = HeapFull(facts, limit, cap, runtime, steps);
                break;
            case "jvm-thread":
                steps.Add($"This is not the heap: the JVM could not start another native thread. Count the threads (kubectl exec {Shell.Quote(facts.PodName)} -n {Shell.Quote(facts.Namespace)} -c {Shell.Quote(facts.ContainerName ?? "CONTAINER")} -- grep Threads /proc/1/status) and look for a thread leak or an unbounded pool; check the pod's pids limit");
                if (LogLine(facts, "pthread_create") is { } pthread)
                    steps.Add($"The log says {Text.Quote(pthread)}" + (pthread.Contains("EAGAIN", StringComparison.Ordinal)
                        ? ": EAGAIN from pthread_create means a process/thread limit was reached (the node's pids limit per pod, or ulimit -u), or the memory for another thread stack could not be reserved"
                        : ""));
                if (cap?.HeapBytes(limit.Bytes) is { } heap && limit.Bytes is { } l && heap > l * 0.7)
                    steps.Add($"{cap.Where} gives the heap {HeapSettings.JvmText(heap)} of the {limit.Text} limit, which leaves {HeapSettings.JvmText(l - heap)} for thread stacks and other native memory: lower it (to about 60%) or lower the stack size with -Xss512k");
                capBinds = true;
                break;
            case "jvm-metaspace":
                steps.Add("The JVM ran out of Metaspace (class metadata), not heap: raise -XX:MaxMetaspaceSize, or look for a class-loader leak (redeployments, dynamic proxies)");
                capBinds = true;
                break;
            case "jvm-direct":
                steps.Add("The JVM ran out of direct (off-heap) buffer memory: raise -XX:MaxDirectMemorySize, or look for buffers that are never released (Netty, NIO)");
                capBinds = true;
                break;
            case "go":
                if (cap is { Known: true, Bytes: { } go })
                    steps.Add($"{cap.Where} asks the Go GC to keep the heap under {HeapSettings.JvmText(go)}; the live heap still outgrew what the process could get: raise the limit and GOMEMLIMIT together (GOMEMLIMIT at about 90% of the limit), or find what holds memory (pprof heap profile)");
                else if (limit.Bytes is { } lb)
                    steps.Add($"The Go runtime could not get more memory from the system under the {limit.Text} limit. Set GOMEMLIMIT={(lb * 9 / 10 / Mi).ToString(CultureInfo.InvariantCulture)}MiB (90% of the limit) so the GC works harder before memory runs out, and take a heap profile (pprof) to see what holds memory");
                else
                    steps.Add("The Go runtime could not get more memory from the system: find what holds memory with a heap profile (pprof), and set a container limit with GOMEMLIMIT at about 90% of it");
                break;
            case "php":
                var allowed = PhpAllowed().Match(line);
                var phpLimit = allowed.Success && long.TryParse(allowed.Groups["n"].Value, out var phpBytes) ? HeapSettings.QuantityText(phpBytes) : null;
                steps.Add($"PHP's memory_limit{(phpLimit is null ? "" : $" ({phpLimit})")} stopped the script, not the container"
                    + (limit.Bytes is { } php ? $" ({limit.Text} limit): raise memory_limit (php.ini, or -d memory_limit=… on the command line) toward {HeapSettings.QuantityText(php * 3 / 4).Replace("i", "", StringComparison.Ordinal)}, 75% of the limit" : ": raise memory_limit (php.ini, or -d memory_limit=…) and set a container limit above it")
                    + ", or process the data in smaller batches");
                capBinds = true;
                break;
            case "python":
                var asked = Allocation().Match(line);
                if (asked.Success && limit.Bytes is { } pl && SizeOf(asked.Groups["n"].Value, asked.Groups["u"].Value) is { } want && want > pl / 2)
                {
                    capBinds = want > pl;
                    steps.Add($"The process asked for {asked.Groups["n"].Value} {asked.Groups["u"].Value} in one allocation, {(want > pl ? "more than the whole" : "a large share of the")} {limit.Text} limit: process the data in chunks (or with sparse/streaming structures), or raise the limit well above that size");
                }
                else
                    steps.Add($"Python has no heap cap: an allocation failed under the {(limit.None ? "node's free memory (no container limit)" : $"{limit.Text} limit")}; find the large allocation in the traceback and process the data in smaller pieces, or raise the limit");
                break;
            default:
                steps.Add($"The runtime could not allocate memory under the container limit ({(limit.None ? "not set" : limit.Text)}): raise the limit or the runtime's heap setting");
                break;
        }

        if (kind is not ("jvm-thread" or "jvm-metaspace" or "jvm-direct"))
            steps.Add("If memory grows with time or load rather than at startup, take a heap dump and look for a leak");
        if (!capBinds && limit.Bytes is { } bytes2 && kind is not ("jvm-thread" or "jvm-metaspace" or "jvm-direct"))
        {
            var suggested = Remedies.Suggest(bytes2, facts.Options.MemoryIncreaseFactor);
            steps.Add($"A concrete larger limit to try: {suggested} (from {limit.Text})");
        }
        return new Advice(steps, change);
    }

    /// <summary>A heap that filled up: raise the cap toward its share of the limit when it has room, else the limit and the cap together.</summary>
    static (bool CapBinds, ProposedChange? Change) HeapFull(CrashFacts facts, Limit limit, Heap? cap, string runtime, List<string> steps)
    {
        var name = RuntimeName(runtime);
        var share = cap?.TargetShare ?? 0.75;
        if (cap is { Known: false })
        {
            steps.Add($"The {name} heap is full; its cap {cap.Variable} comes from {cap.Source}, so its value is not in the pod spec: read it there and raise it"
                + (limit.Bytes is { } lb ? $" toward {Percent(share, runtime)} of the {limit.Text} limit ({HeapSettings.JvmText((long)(lb * share))})" : ", and set a memory limit above it"));
            return (true, null);
        }
        if (limit.Bytes is not { } bytes)
        {
            if (cap is not null && cap.Bytes is { } capped)
            {
                var plan = Resize(cap, capped * 2);
                steps.Add($"The {name} heap is full at its cap {cap.Where}; there is no container limit: raise it (e.g. to {plan.Words}) and set a memory limit about a third above the new heap, so the kernel does not kill first");
                return (true, null);
            }
            steps.Add(runtime switch
            {
                "jvm" => cap is { IsPercent: true }
                    ? $"{cap.Where} sizes the heap from the node's RAM, since the container has no memory limit: set a memory limit, or replace the percentage with a fixed -Xmx"
                    : "The container has no memory limit and the spec sets no heap size: the JVM sized its heap from the node's RAM. Set a fixed -Xmx for what the app needs and a memory limit about a third above it",
                "node" => "The container has no memory limit and the spec sets no heap size: set --max-old-space-size (NODE_OPTIONS) to what the app needs, in MiB, and a memory limit about a third above it",
                _ => "The container has no memory limit: set the runtime's heap limit to what the app needs and a memory limit about a third above it",
            });
            return (true, null);
        }

        var target = (long)(bytes * share);
        if (cap is { } known && known.HeapBytes(bytes) is { } heap)
        {
            if (heap < target * 0.95)
            {
                var plan = known.IsPercent ? Percentage(known, share) : Resize(known, target);
                steps.Add($"The {name} heap is full at {Size(runtime, heap)}, its cap ({known.Where}), while the container limit is {limit.Text}: raise it to {plan.Words} ({Percent(share, runtime)} of the limit)"
                    + (known.WholeVariable ? "" : $" in {Place(known)}") + "; the limit can stay");
                return (true, EnvOrArgChange(facts, plan, $"Raise {known.Setting} to {plan.NewSetting} in {known.Source} ({Percent(share, runtime)} of the {limit.Text} limit)"));
            }
            var newLimit = Remedies.Suggest(bytes, facts.Options.MemoryIncreaseFactor);
            var newBytes = QuantityBytes(newLimit) ?? (long)(bytes * facts.Options.MemoryIncreaseFactor);
            if (known.IsPercent)
            {
                steps.Add($"The {name} heap ({known.Where}) already takes {HeapSettings.JvmText(heap)} of the {limit.Text} limit: raise the limit to {newLimit}; the heap follows it ({HeapSettings.JvmText((long)(newBytes * known.Percent!.Value / 100))})");
                return (true, SetLimit(facts, newLimit, $"Raise the memory limit of {facts.ContainerName} from {limit.Text} to {newLimit} (the heap follows through {known.Setting})"));
            }
            var both = Resize(known, (long)(newBytes * share));
            steps.Add($"The {name} heap ({known.Where}) already takes {HeapSettings.JvmText(heap)} of the {limit.Text} limit: raise the limit to {newLimit} and the heap to {both.Words} together");
            return (true, null);
        }

        // No cap in the spec: the runtime's default applies.
        switch (runtime)
        {
            case "jvm":
                var jto = facts.Spec?.Env?.Any(e => e.Name == "JAVA_TOOL_OPTIONS") == true;
                steps.Add($"The spec sets no heap size, so the JVM uses its default of 25% of the {limit.Text} limit ({HeapSettings.JvmText(bytes / 4)}): set -XX:MaxRAMPercentage=75 (heap {HeapSettings.JvmText(target)}) in JAVA_TOOL_OPTIONS, or an explicit -Xmx{HeapSettings.JvmText(target)}");
                if (!jto && facts.Spec?.EnvFrom is not { Count: > 0 } && !facts.IsInitContainer && WorkloadRef.Of(facts) is { } w)
                    return (true, new ProposedChange($"Set JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75 on {facts.ContainerName} (heap {HeapSettings.JvmText(target)} of the {limit.Text} limit)",
                        $"kubectl set env {w.Resource} -n {Shell.Quote(facts.Namespace)} -c {Shell.Quote(facts.ContainerName!)} {Shell.Quote("JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75")}"));
                return (true, null);
            case "node":
                var mb = (target / Mi).ToString(CultureInfo.InvariantCulture);
                var has = facts.Spec?.Env?.Any(e => e.Name == "NODE_OPTIONS") == true;
                steps.Add($"The spec sets no --max-old-space-size, so V8 uses its own default heap, not the {limit.Text} limit: set NODE_OPTIONS=--max-old-space-size={mb} (75% of the limit, in MiB)");
                if (!has && facts.Spec?.EnvFrom is not { Count: > 0 } && !facts.IsInitContainer && WorkloadRef.Of(facts) is { } nw)
                    return (true, new ProposedChange($"Set NODE_OPTIONS=--max-old-space-size={mb} on {facts.ContainerName} (75% of the {limit.Text} limit)",
                        $"kubectl set env {nw.Resource} -n {Shell.Quote(facts.Namespace)} -c {Shell.Quote(facts.ContainerName!)} {Shell.Quote($"NODE_OPTIONS=--max-old-space-size={mb}")}"));
                return (true, null);
            case "dotnet":
                steps.Add($"The spec sets no DOTNET_GCHeapHardLimit, so the .NET GC caps its heap at 75% of the {limit.Text} limit ({HeapSettings.JvmText(target)}) by default: raise the limit if the app needs more, or find what holds memory (dotnet-gcdump)");
                return (false, null);
        }
        return (false, null);
    }

    // ---- plans and changes ----

    /// <summary>The heap setting rewritten for a new size, in the setting's own notation.</summary>
    static HeapPlan Resize(Heap heap, long bytes)
    {
        bytes = Math.Max(bytes / Mi, 64) * Mi;
        string token;
        if (heap.Setting.StartsWith("-Xmx", StringComparison.Ordinal)) token = "-Xmx" + HeapSettings.JvmText(bytes);
        else if (heap.Setting.StartsWith("--max", StringComparison.Ordinal)) token = Regex.Replace(heap.Setting, @"\d+$", (bytes / Mi).ToString(CultureInfo.InvariantCulture));
        else if (heap.Variable == "GOMEMLIMIT") token = $"GOMEMLIMIT={(bytes / Mi).ToString(CultureInfo.InvariantCulture)}MiB";
        else if (heap.Variable.EndsWith("GCHeapHardLimit", StringComparison.Ordinal)) token = $"{heap.Variable}=0x{bytes.ToString("X", CultureInfo.InvariantCulture)}";
        else if (heap.Variable is "MAX_HEAP_SIZE" or "SOLR_HEAP") token = $"{heap.Variable}={HeapSettings.JvmText(bytes).ToUpperInvariant()}";
        else if (heap.IsPercent) return Percentage(heap, heap.TargetShare);
        else token = heap.Setting;

        var words = heap.Variable.EndsWith("GCHeapHardLimit", StringComparison.Ordinal)
            ? $"{token} ({HeapSettings.QuantityText(bytes)}, written in hexadecimal)"
            : heap.Setting.StartsWith("-Xmx", StringComparison.Ordinal) && heap.Value?.Contains("-Xms" + heap.Setting[4..], StringComparison.Ordinal) == true
                ? $"{token} (and -Xms{token[4..]} with it)"
                : token;
        return new HeapPlan(heap, token, NewValue(heap, token), words);
    }

    static HeapPlan Percentage(Heap heap, double share)
    {
        var percent = (share * 100).ToString("0", CultureInfo.InvariantCulture);
        var token = heap.Setting.EndsWith(".0", StringComparison.Ordinal) || heap.Setting.Contains('.', StringComparison.Ordinal)
            ? $"-XX:MaxRAMPercentage={percent}.0" : $"-XX:MaxRAMPercentage={percent}";
        if (heap.Setting.StartsWith("DOTNET_", StringComparison.Ordinal))
            token = $"{heap.Variable}=0x{((int)(share * 100)).ToString("X", CultureInfo.InvariantCulture)}";
        return new HeapPlan(heap, token, NewValue(heap, token), token);
    }

    /// <summary>The whole new value of the variable (or args word), when the old one is known and holds only memory flags.</summary>
    static string? NewValue(Heap heap, string token)
    {
        if (heap.Value is not { } value) return null;
        var eq = token.IndexOf('=', StringComparison.Ordinal);
        if (heap.Setting.StartsWith($"{heap.Variable}=", StringComparison.Ordinal))
            return eq < 0 ? null : token[(eq + 1)..];
        var replaced = value.Replace(heap.Setting, token, StringComparison.Ordinal);
        // -Xms equal to the old -Xmx (Elasticsearch requires it) moves with it.
        if (heap.Setting.StartsWith("-Xmx", StringComparison.Ordinal))
            replaced = replaced.Replace("-Xms" + heap.Setting[4..], "-Xms" + token[4..], StringComparison.Ordinal);
        return replaced;
    }

    static string Place(Heap heap) => heap.Variable is "command" or "args" ? $"the container's {heap.Variable}" : heap.Variable;

    static ProposedChange? EnvOrArgChange(CrashFacts facts, HeapPlan plan, string text)
    {
        if (plan.NewValue is not { } value || WorkloadRef.Of(facts) is not { } w || facts.ContainerName is null) return null;
        var heap = plan.Heap;
        if (heap.ArgIndex >= 0)
            return w.JsonPatch(facts, ("replace", $"/{heap.Variable}/{heap.ArgIndex.ToString(CultureInfo.InvariantCulture)}", value)) is { } p ? new ProposedChange(text, p) : null;
        if (heap.EnvIndex < 0) return null;
        if (facts.IsInitContainer)
            return w.JsonPatch(facts, ("replace", $"/env/{heap.EnvIndex.ToString(CultureInfo.InvariantCulture)}/value", value)) is { } p ? new ProposedChange(text, p) : null;
        return new ProposedChange(text, $"kubectl set env {w.Resource} -n {Shell.Quote(facts.Namespace)} -c {Shell.Quote(facts.ContainerName)} {Shell.Quote($"{heap.Variable}={value}")}");
    }

    static ProposedChange? SetLimit(CrashFacts facts, string quantity, string text)
    {
        if (WorkloadRef.Of(facts) is not { } w || facts.ContainerName is null) return null;
        if (facts.IsInitContainer)
            return w.JsonPatch(facts, ("add", "/resources/limits/memory", quantity)) is { } p ? new ProposedChange(text, p) : null;
        return new ProposedChange(text,
            $"kubectl set resources {w.Resource} -n {Shell.Quote(facts.Namespace)} -c {Shell.Quote(facts.ContainerName)} {Shell.Quote($"--limits=memory={quantity}")}");
    }

    // ---- reading ----

    static string Kind(string line) =>
        line.Contains("native thread", StringComparison.OrdinalIgnoreCase) ? "jvm-thread"
        : line.Contains("Metaspace", StringComparison.Ordinal) ? "jvm-metaspace"
        : line.Contains("Direct buffer memory", StringComparison.OrdinalIgnoreCase) ? "jvm-direct"
        : line.Contains("JavaScript heap", StringComparison.OrdinalIgnoreCase) || line.Contains("heap limit", StringComparison.OrdinalIgnoreCase) ? "node"
        : line.Contains("java.lang.OutOfMemoryError", StringComparison.Ordinal) || line.Contains("GC overhead", StringComparison.Ordinal) || line.Contains("Java heap space", StringComparison.Ordinal) ? "jvm-heap"
        : line.Contains("OutOfMemoryException", StringComparison.Ordinal) ? "dotnet"
        : line.Contains("runtime: out of memory", StringComparison.Ordinal) || line.Contains("fatal error: out of memory", StringComparison.Ordinal) ? "go"
        : line.Contains("MemoryError", StringComparison.Ordinal) ? "python"
        : line.Contains("Allowed memory size of", StringComparison.Ordinal) ? "php"
        : "";

    /// <summary>The last log line that contains this text.</summary>
    static string? LogLine(CrashFacts facts, string text)
    {
        for (var i = facts.Log.Lines.Count - 1; i >= 0; i--)
            if (facts.Log.Lines[i].Text.Contains(text, StringComparison.Ordinal)) return facts.Log.Lines[i].Text.Trim();
        return null;
    }

    static bool IsNode(CrashFacts facts)
    {
        var spec = facts.Spec;
        var first = spec?.Command?.FirstOrDefault() ?? "";
        return first is "node" or "npm" or "npx" or "yarn" || first.EndsWith("/node", StringComparison.Ordinal)
            || spec?.Env?.Any(e => e.Name is "NODE_ENV" or "NODE_OPTIONS") == true
            || NodeImage().IsMatch(spec?.Image ?? "");
    }

    /// <summary>A size in the runtime's notation: 1536m for a JVM, 1536Mi otherwise.</summary>
    static string Size(string runtime, long bytes) => runtime == "jvm" ? HeapSettings.JvmText(bytes) : HeapSettings.QuantityText(bytes);

    static string RuntimeName(string runtime) => runtime switch { "jvm" => "Java", "node" => "Node.js (V8)", "go" => "Go", "dotnet" => ".NET GC", _ => "runtime" };

    static string Percent(double share, string runtime) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    static string NodeName(CrashFacts facts) => facts.Snapshot.Node?.Name ?? facts.Snapshot.Pod?.Spec?.NodeName ?? "(unknown)";

    /// <summary>A tidy quantity at or above this many bytes: 896Mi → 896Mi, 1100Mi → 1280Mi.</summary>
    static string Tidy(long bytes) => Remedies.Suggest(bytes, 1.0);

    static long? QuantityBytes(string quantity)
    {
        try { return new k8s.Models.ResourceQuantity(quantity).ToInt64(); }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException) { return null; }
    }

    static long? SizeOf(string number, string unit)
    {
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return null;
        return (long)(n * unit switch { "KiB" => 1L << 10, "MiB" => 1L << 20, "GiB" => 1L << 30, "TiB" => 1L << 40, _ => 1 });
    }

    [GeneratedRegex(@"Allowed memory size of (?<n>\d+) bytes exhausted")]
    private static partial Regex PhpAllowed();

    [GeneratedRegex(@"Unable to allocate (?<n>\d+(?:\.\d+)?) (?<u>KiB|MiB|GiB|TiB)")]
    private static partial Regex Allocation();

    [GeneratedRegex(@"(^|[/:-])node(js)?([:@-]|$)", RegexOptions.IgnoreCase)]
    private static partial Regex NodeImage();
}
