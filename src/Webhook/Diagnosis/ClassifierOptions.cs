namespace Webhook.Diagnosis;

/// <summary>
/// Thresholds of the classifier, bound from the "Classifier" configuration section. Setters, not init: the
/// configuration binder's source generator (every build, and Native AOT needs it) leaves init-only properties unbound.
/// </summary>
public sealed record ClassifierOptions
{
    public const string Section = "Classifier";

    /// <summary>Only this many characters at the end of a log are read: the crash is at the end, and the cost must not follow the file size.</summary>
    public int MaxLogChars { get; set; } = 64 * 1024;
    /// <summary>Only this many lines at the end of a log are read (generous: goroutine dumps and Java traces are long, and frames are cheap).</summary>
    public int MaxLogLines { get; set; } = 2000;
    /// <summary>Log lines this close to the end (not counting stack frames) weigh fully; the crash is usually in the last 5 to 10 lines.</summary>
    public int DecisiveLines { get; set; } = 10;
    /// <summary>A log verdict below this score is too weak to name a cause.</summary>
    public double MinLogScore { get; set; } = 0.3;
    /// <summary>Kubelet events this many seconds outside the instance's startedAt..finishedAt still count as belonging to it.</summary>
    public int EventSlackSeconds { get; set; } = 30;
    /// <summary>Suggested memory limit = current limit × this factor.</summary>
    public double MemoryIncreaseFactor { get; set; } = 1.5;
    /// <summary>A memory limit at or above this many MiB is "already large": suggest looking for a leak first.</summary>
    public long LargeMemoryLimitMiB { get; set; } = 4096;
    /// <summary>An instance that ran less than this many seconds "exited at once".</summary>
    public int ShortRunSeconds { get; set; } = 10;
}
