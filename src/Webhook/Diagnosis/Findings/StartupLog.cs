using System.Globalization;
using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// What the head of the log says about start-up: how long it took ("Started X in 33.2 seconds", or the timestamp
/// of the first "listening"/"ready" line against the container's startedAt) and which ports the app said it
/// listens on. Start-up is at the beginning of a log, so only its first lines are read, and only lines that
/// contain a start-up word go through the regular expressions.
/// </summary>
public static partial class StartupLog
{
    const int HeadLines = 400;

    public sealed record Listening(string Port, string? Host, string Line);

    public sealed record Result(double? StartupSeconds, string? StartupLine, IReadOnlyList<Listening> Ports, bool SawReady);

    public static readonly Result None = new(null, null, [], false);

    public static Result Read(CrashFacts facts)
    {
        var text = RawLog(facts);
        if (string.IsNullOrEmpty(text)) return None;
        var started = facts.Terminated?.StartedAt is { Year: > 2000 } s ? DateTime.SpecifyKind(s, DateTimeKind.Utc) : (DateTime?)null;
        var ran = facts.RunTime;

        double? startup = null, stamped = null;
        string? startupLine = null, stampedLine = null;
        var ports = new List<Listening>();
        var sawReady = false;
        var count = 0;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            if (++count > HeadLines) break;
            if (raw.IsWhiteSpace() || !HasStartWord(raw)) continue;
            var line = AnsiStripper.Strip(raw.ToString());

            if (startup is null && Duration(line) is { } took)
            {
                startup = took;
                startupLine = line.Trim();
                sawReady = true;
            }
            var listening = ListenLine().Match(line);
            if (listening.Success)
            {
                var port = listening.Groups["port"].Value;
                if (ports.All(p => p.Port != port))
                    ports.Add(new Listening(port, listening.Groups["host"].Success ? listening.Groups["host"].Value : null, line.Trim()));
            }
            if (listening.Success || ReadyLine().IsMatch(line))
            {
                sawReady = true;
                if (stamped is null && started is { } from && Timestamp(line) is { } at)
                {
                    var seconds = (at - from).TotalSeconds;
                    // A log in another time zone than UTC gives nonsense: keep only what fits the instance's lifetime.
                    if (seconds >= 0 && (ran is null ? seconds < 3600 : seconds <= ran.Value.TotalSeconds + 5))
                    {
                        stamped = Math.Round(seconds, 1);
                        stampedLine = line.Trim();
                    }
                }
            }
        }
        // A duration the app states ("Started X in 33.2 seconds") beats the first listening line's timestamp.
        return startup is not null ? new Result(startup, startupLine, ports, sawReady) : new Result(stamped, stampedLine, ports, sawReady);
    }

    static string? RawLog(CrashFacts facts) => facts.Log.Source switch
    {
        Collect.LogSource.Previous => facts.Snapshot.PreviousLog?.Text,
        Collect.LogSource.Current => facts.Snapshot.CurrentLog?.Text,
        _ => null,
    };

    static readonly string[] StartWords = ["listen", "start", "ready", "serving", "running on", "bound to", "accepting", "booted", "initialized"];

    static bool HasStartWord(ReadOnlySpan<char> line)
    {
        foreach (var word in StartWords)
            if (line.Contains(word, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>"Started StoreApp in 33.17 seconds (JVM running for 36.208)" → 36.2 (the JVM's figure counts from the process start).</summary>
    public static double? Duration(string line)
    {
        var jvm = JvmRunning().Match(line);
        if (jvm.Success) return Seconds(jvm.Groups["n"].Value, "s");
        var m = StartedIn().Match(line);
        return m.Success ? Seconds(m.Groups["n"].Value, m.Groups["u"].Value) : null;
    }

    static double? Seconds(string number, string unit)
    {
        if (!double.TryParse(number.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return null;
        return Math.Round(unit.StartsWith("m", StringComparison.OrdinalIgnoreCase) ? n / 1000 : n, 1);
    }

    /// <summary>The first timestamp on the line (ISO 8601 or "2026/11/24 20:50:02", or Redis' "24 Nov 2026 20:20:33.117"), as UTC.</summary>
    public static DateTime? Timestamp(string line)
    {
        var m = IsoTime().Match(line);
        if (m.Success)
        {
            var text = $"{m.Groups["date"].Value.Replace('/', '-')}T{m.Groups["time"].Value}{(m.Groups["frac"].Success ? "." + m.Groups["frac"].Value : "")}{(m.Groups["tz"].Success ? m.Groups["tz"].Value : "Z")}";
            return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        }
        m = DayMonthYear().Match(line);
        if (m.Success && DateTime.TryParseExact($"{m.Groups["d"].Value.PadLeft(2, '0')} {m.Groups["mon"].Value} {m.Groups["y"].Value} {m.Groups["time"].Value}",
                "dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var r))
            return m.Groups["frac"].Success && double.TryParse("0." + m.Groups["frac"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? r.AddSeconds(f) : r;
        return null;
    }

    [GeneratedRegex(@"JVM running for (?<n>\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex JvmRunning();

    [GeneratedRegex(@"\b(?:started|start-?up|booted|initialized|ready)\b[^\r\n]{0,80}?\bin\s*\[?(?<n>\d+(?:[.,]\d+)?)\]?\s*(?<u>ms|milliseconds?|s|secs?|seconds?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex StartedIn();

    [GeneratedRegex(@"\b(?:listen(?:ing)?|serving|started|running|ready on|bound|accepting)\b[^\r\n]{0,60}?(?:\bports?(?:\(s\))?\s*[:=]?\s*|(?:[a-z][a-z0-9+.-]*://)?(?<host>[\w.-]+|\[[0-9a-f:]*\]|\*)?:)(?<port>\d{2,5})(?![\d:.]\d)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ListenLine();

    [GeneratedRegex(@"\b(?:ready to accept connections|ready on|now listening|server started|startup complete|accepting connections|application started|started server)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"(?<date>\d{4}[-/]\d\d[-/]\d\d)[T ](?<time>\d\d:\d\d:\d\d)(?:[.,](?<frac>\d{1,9}))?(?<tz>Z|[+-]\d\d:?\d\d)?")]
    private static partial Regex IsoTime();

    [GeneratedRegex(@"\b(?<d>\d{1,2}) (?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?<y>\d{4}) (?<time>\d\d:\d\d:\d\d)(?:\.(?<frac>\d+))?")]
    private static partial Regex DayMonthYear();
}
