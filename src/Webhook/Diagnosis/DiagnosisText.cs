using System.Globalization;

namespace Webhook.Diagnosis;

/// <summary>A diagnosis as an engineer wants it in a terminal or a log: verdict first, then evidence, steps, commands.</summary>
public static class DiagnosisText
{
    public static void Write(CrashDiagnosis d, TextWriter w)
    {
        var exit = d.ExitCode is { } code ? $"exit {code}{(d.Signal is null ? "" : $" ({d.Signal})")}" : "no exit code";
        var restarts = d.RestartCount is { } r ? $", {r} restarts" : "";
        w.WriteLine($"{d.Cause}  (confidence {d.Confidence.ToString("0.00", CultureInfo.InvariantCulture)})  container {d.Container ?? "?"}, {exit}{restarts}");
        w.WriteLine();
        w.WriteLine(d.Summary);
        Section(w, "Evidence", d.Evidence.Select(e => $"[{e.Source}] {e.Text}"));
        Section(w, "Next steps", d.Remediation);
        Section(w, "Confirm with", d.Commands);
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
