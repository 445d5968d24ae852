using System.Globalization;
using System.Text;
using Webhook.Diagnosis;

namespace Webhook.Tests.Diagnosis;

/// <summary>
/// The classifier over the corpus: cause accuracy and specifics share for the tuning and the fresh split
/// separately, calibration (accuracy per confidence band), per cause, a confusion matrix and the misses.
/// </summary>
public sealed class CorpusReport(IReadOnlyList<CorpusResult> results)
{
    /// <summary>Cases whose default container pick (most restarts, init containers included) is the labelled one.</summary>
    public int DefaultPickMatches { get; init; }

    /// <summary>Tuning cases are every case not in a fresh split (a split whose name starts with "fresh").</summary>
    public static bool Tune(CorpusCase c) => c.Expected.Split?.StartsWith("fresh", StringComparison.Ordinal) != true;

    static readonly (string Name, Func<CorpusCase, bool> Filter)[] Splits =
    [
        ("fresh", c => c.Expected.Split == "fresh"),
        ("fresh-beyond-pod", c => c.Expected.Split == "fresh-beyond-pod"),
        ("tune", Tune),
        ("all", _ => true),
    ];

    public double Accuracy(Func<CorpusCase, bool>? filter = null)
    {
        var selected = results.Where(r => filter?.Invoke(r.Case) ?? true).ToList();
        return selected.Count == 0 ? 1 : (double)selected.Count(r => r.Right) / selected.Count;
    }

    /// <summary>Of the cases that list specifics, the share whose next steps name them all.</summary>
    public double SpecificsShare(Func<CorpusCase, bool>? filter = null)
    {
        var selected = results.Where(r => (filter?.Invoke(r.Case) ?? true) && r.SpecificsNamed is not null).ToList();
        return selected.Count == 0 ? 1 : (double)selected.Count(r => r.SpecificsNamed == true) / selected.Count;
    }

    public IEnumerable<(string Cause, int Total, double Accuracy)> PerCause(Func<CorpusCase, bool>? filter = null) =>
        results.Where(r => filter?.Invoke(r.Case) ?? true).GroupBy(r => r.Case.Expected.Cause).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), (double)g.Count(r => r.Right) / g.Count()));

    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Classifier accuracy on tests/corpus").AppendLine();
        sb.AppendLine("Written by `bash tests/corpus/report.sh`; do not edit by hand. The fresh splits hold cases written and labelled");
        sb.AppendLine("before any rule was changed for them (fresh: findings; fresh-beyond-pod: issue 14, the evidence beyond the pod);");
        sb.AppendLine("the corpus test asserts the targets on each of them.").AppendLine();
        sb.AppendLine("| split | cases | right cause | with specifics | specifics named |").AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (name, filter) in Splits)
        {
            var inSplit = results.Where(r => filter(r.Case)).ToList();
            var withSpecifics = inSplit.Count(r => r.SpecificsNamed is not null);
            sb.AppendLine($"| {name} | {inSplit.Count} | {Pct(Accuracy(filter))} | {withSpecifics} | {(withSpecifics == 0 ? "-" : Pct(SpecificsShare(filter)))} |");
        }
        sb.AppendLine().AppendLine($"Without --container, the most-restarted pick names the labelled container in {DefaultPickMatches} of {results.Count} cases.");

        sb.AppendLine().AppendLine("## Calibration (accuracy per confidence band)").AppendLine();
        sb.AppendLine($"Messages state the cause at confidence ≥ {Certainty.Firm:0.00}, say \"Likely\" from {Certainty.Likely:0.00} and \"Possibly\" below.").AppendLine();
        sb.AppendLine("| band | fresh cases | fresh right | tune cases | tune right |").AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (band, low, high) in Bands)
        {
            string Cell(Func<CorpusCase, bool> split)
            {
                var inBand = results.Where(r => split(r.Case) && r.Diagnosis is { } d && d.Confidence >= low && d.Confidence < high).ToList();
                return $"{inBand.Count} | {(inBand.Count == 0 ? "-" : Pct(inBand.Count(r => r.Right) / (double)inBand.Count))}";
            }
            sb.AppendLine($"| {band} | {Cell(Splits[0].Filter)} | {Cell(Splits[2].Filter)} |");
        }

        sb.AppendLine().AppendLine("## Per cause").AppendLine().AppendLine("| cause | cases | right | fresh right | specifics named |").AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (cause, total, accuracy) in PerCause())
        {
            var fresh = results.Where(r => r.Case.Expected.Cause == cause && r.Case.Expected.Split == "fresh").ToList();
            var freshText = fresh.Count == 0 ? "-" : $"{Pct(fresh.Count(r => r.Right) / (double)fresh.Count)} of {fresh.Count}";
            var spec = results.Where(r => r.Case.Expected.Cause == cause && r.SpecificsNamed is not null).ToList();
            var specText = spec.Count == 0 ? "-" : $"{spec.Count(r => r.SpecificsNamed == true)} of {spec.Count}";
            sb.AppendLine($"| {cause} | {total} | {Pct(accuracy)} | {freshText} | {specText} |");
        }
        sb.AppendLine().AppendLine("## Confusion matrix (rows: expected, columns: actual)").AppendLine();
        var causes = Causes.All.Where(c => results.Any(r => r.Case.Expected.Cause == c || r.Actual == c)).ToList();
        sb.AppendLine("| expected \\ actual | " + string.Join(" | ", causes) + " |");
        sb.AppendLine("| --- |" + string.Concat(causes.Select(_ => " ---: |")));
        foreach (var expected in causes)
            sb.AppendLine($"| {expected} | " + string.Join(" | ", causes.Select(actual =>
                results.Count(r => r.Case.Expected.Cause == expected && r.Actual == actual) is var n && n > 0 ? n.ToString(CultureInfo.InvariantCulture) : "")) + " |");
        var misses = results.Where(r => !r.Right).ToList();
        sb.AppendLine().AppendLine($"## Wrong cause ({misses.Count})").AppendLine();
        foreach (var r in misses)
            sb.AppendLine($"- `{r.Case.Name}` ({r.Case.Expected.Split}): expected {r.Case.Expected.Cause}, got {r.Actual}");
        var unnamed = results.Where(r => r.SpecificsNamed == false).ToList();
        sb.AppendLine().AppendLine($"## Specifics not named ({unnamed.Count})").AppendLine();
        foreach (var r in unnamed)
            sb.AppendLine($"- `{r.Case.Name}` ({r.Case.Expected.Split}): wants {string.Join(" and ", r.Case.Expected.Specifics!.Select(g => "[" + string.Join(" | ", g) + "]"))}");
        return sb.ToString();
    }

    static readonly (string Name, double Low, double High)[] Bands =
    [
        ("≥ 0.90", 0.90, 2), ("0.75–0.90", 0.75, 0.90), ("0.50–0.75", 0.50, 0.75), ("< 0.50", 0, 0.50),
    ];

    static string Pct(double value) => value.ToString("P1", CultureInfo.InvariantCulture);
}
