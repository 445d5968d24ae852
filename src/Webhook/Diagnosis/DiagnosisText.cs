using System.Globalization;

namespace Webhook.Diagnosis;

/// <summary>A diagnosis as an engineer wants it in a terminal or a log: verdict first, then evidence, steps, commands.</summary>
public static class DiagnosisText
{
    public static void Write(CrashDiagnosis d, TextWriter w, Collect.PodSnapshot? snapshot = null)
    {
        var exit = d.ExitCode is { } code ? $"exit {code}{(d.Signal is null ? "" : $" ({d.Signal})")}" : "no exit code";
        var restarts = d.RestartCount is { } r ? $", {r} restarts" : "";
        var certainty = Certainty.Prefix(d.Confidence, d.Cause).Trim();
        w.WriteLine($"{(certainty.Length > 0 ? certainty + " " : "")}{d.Cause}  (confidence {d.Confidence.ToString("0.00", CultureInfo.InvariantCulture)})  container {d.Container ?? "?"}, {exit}{restarts}");
        if (d.Alternatives.Count > 0 && d.Certainty != "certain")
            w.WriteLine($"runner-up: {string.Join(", ", d.Alternatives.Select(a => $"{a.Cause} ({a.Confidence.ToString("0.00", CultureInfo.InvariantCulture)})"))}");
        if (snapshot is not null)
            foreach (var (name, value) in PodFacts.For(snapshot, d).Where(f => f.Name is "Owner" or "Image" or "Node" or "Last run" or "Recent change"))
                w.WriteLine($"{name}: {value}");
        w.WriteLine();
        w.WriteLine(d.Summary);
        Section(w, "Findings", d.Findings.Where(f => f.Kind != FindingKinds.Termination).Select(f => $"{f.Text} [{f.Source}]"));
        Section(w, "Evidence", d.Evidence.Select(e => $"[{e.Source}] {e.Text}"));
        Section(w, "Next steps", d.Remediation);
        Section(w, "Confirm with", d.Commands);
        if (d.Change is { } change)
            Section(w, "Apply the fix (changes the cluster)", [change.Text, change.Command]);
        Section(w, "Missing", d.Missing);
    }

    static void Section(TextWriter w, string title, IEnumerable<string> items)
    {
        var list = items.ToList();
        if (list.Count == 0) return;
        w.WriteLine();
        w.WriteLine($"{title}:");
        foreach (var item in list)
            w.WriteLine($"  - {item}");
    }
}
