using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// Reads the normalised tail from the end: each message line is matched against <see cref="LogPatterns"/>
/// and weighed by how close to the end it is, whether it is the root of an exception chain, and whether
/// the process went on to start up after it (then it survived that line and it is not the cause).
/// </summary>
public static partial class LogAnalyzer
{
    const double RootBonus = 1.1;
    const double SurvivedPenalty = 0.5;

    public static LogVerdict? Analyze(LogView log, ClassifierOptions options)
    {
        var lines = log.Lines;
        var lastChain = LastChainLink(lines);
        var maxStrength = LogPatterns.All.Max(p => p.Strength) * RootBonus;

        LogVerdict? best = null;
        var perCause = new Dictionary<string, double>(StringComparer.Ordinal);
        var distance = 0;
        var progressAfter = false;
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            var line = lines[i];
            if (line.IsFrame || string.IsNullOrWhiteSpace(line.Text))
                continue;

            // Wrapper chatter after the real error (npm ERR!, gunicorn's HaltServer, shutdown notices) does not push it back.
            var recency = Recency(Wrapper().IsMatch(line.Text) ? distance : distance++, options.DecisiveLines);
            if (recency * maxStrength < Math.Max(best?.Score ?? 0, options.MinLogScore))
                break; // nothing this far back can win, or even count, any more
            var survived = progressAfter;
            if (!progressAfter && Progress().IsMatch(line.Text))
                progressAfter = true;

            var pattern = ContextRefinement.Refine(lines, i, BestPattern(line.Text));
            if (pattern is null)
                continue;
            var score = pattern.Strength * recency * (survived ? SurvivedPenalty : 1) * (i == lastChain ? RootBonus : 1);
            if (!perCause.TryGetValue(pattern.Cause, out var seen) || score > seen) perCause[pattern.Cause] = score;
            if (best is null || score > best.Score)
                best = new LogVerdict(pattern.Cause, score, line, pattern);
        }
        if (best is null) return null;
        var others = perCause.Where(p => p.Key != best.Cause && p.Value >= options.MinLogScore)
            .OrderByDescending(p => p.Value).Select(p => (p.Key, p.Value)).ToList();
        return best with { Supporting = Supporting(lines, best), Others = others };
    }

    public static LogPattern? BestPattern(string text)
    {
        LogPattern? best = null;
        foreach (var pattern in LogPatterns.All)
        {
            if (best is not null && pattern.Strength <= best.Strength)
                continue;
            if (pattern.Regex.IsMatch(text))
                best = pattern;
        }
        return best;
    }

    /// <summary>Full weight for the last few message lines, then a steady decay.</summary>
    static double Recency(int distance, int decisive) =>
        distance < decisive ? 1.0 - 0.02 * distance : (1.0 - 0.02 * decisive) * Math.Pow(0.93, distance - decisive);

    /// <summary>The last link of an exception chain (Java "Caused by:", .NET " ---> ", Node "[cause]:"): the root cause.</summary>
    static int LastChainLink(IReadOnlyList<LogLine> lines)
    {
        for (var i = lines.Count - 1; i >= 0; i--)
            if (!lines[i].IsFrame && ChainLink().IsMatch(lines[i].Text)) return i;
        return -1;
    }

    /// <summary>The exception header that starts the trace the decisive line belongs to, when it is another line.</summary>
    static IReadOnlyList<LogLine> Supporting(IReadOnlyList<LogLine> lines, LogVerdict best)
    {
        for (var i = best.Line.Index - 1; i >= 0 && i >= best.Line.Index - 80; i--)
        {
            var line = lines[i];
            if (line.IsFrame || ChainLink().IsMatch(line.Text)) continue;
            return TraceStart().IsMatch(line.Text) ? [line] : [];
        }
        return [];
    }

    [GeneratedRegex(@"^\s*Caused by: |^\s*---> |^\s*\[cause\]: |^During handling of the above exception|^The above exception was the direct cause", RegexOptions.CultureInvariant)]
    private static partial Regex ChainLink();

    [GeneratedRegex(@"^Exception in thread|Unhandled exception|^(\w+\.)+\w*(Exception|Error)\b|^panic: |^Traceback", RegexOptions.CultureInvariant)]
    private static partial Regex TraceStart();

    [GeneratedRegex(@"^npm (ERR!|error)|^\s*(\d+ )?verbose |ELIFECYCLE|Worker failed to boot|HaltServer|Shutting down: Master|^\s*Reason: |Application run failed|exited with (exit )?code|Process exited with|Stopping service|[Ss]hutting down|[Ss]hutdown complete|graceful shutdown|^\+ |^make: \*\*\*|^\[s6-|^s6-|supervisord|^\[cont-|^Traceback \(most recent|^During handling of|^The above exception|^\s*\^+\s*$|^Stopped |^Exiting|^#( |$)|^Closing |^Destroying |^Terminating", RegexOptions.CultureInvariant)]
    private static partial Regex Wrapper();

    [GeneratedRegex(@"listening on|listening at|now listening|server started|started server|Started \w+ in [\d.]+ seconds|ready to accept connections|running on http|serving (on|at|HTTP)|application started|startup complete|ready for connections|server is ready|Tomcat started on port|Netty started on port|Uvicorn running on|Booting worker", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Progress();
}
