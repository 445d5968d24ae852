using Webhook.Bundles;
using Webhook.Diagnosis;
using Xunit.Abstractions;

namespace Webhook.Tests.Diagnosis;

public class CorpusTests(ITestOutputHelper output)
{
    const double MinOverall = 0.90;
    const double MinPerCause = 0.80;

    [Fact]
    public void TheClassifierGetsNineInTenCorpusCasesRightAndFourInFivePerCause()
    {
        var cases = CorpusCase.Load();
        Assert.NotEmpty(cases);
        var classifier = new CrashClassifier();
        var results = cases.Select(c => (c, Classify(classifier, c))).ToList();
        var report = new CorpusReport(results) { DefaultPickMatches = cases.Count(DefaultPickMatches) };

        var markdown = report.Markdown();
        output.WriteLine(markdown);
        File.WriteAllText(Path.Combine(CorpusCase.RepoRoot(), "tests", "corpus", "REPORT.md"), markdown);

        Assert.True(report.Accuracy() >= MinOverall, $"overall accuracy {report.Accuracy():P1} is below {MinOverall:P0}");
        var weak = report.PerCause().Where(p => p.Accuracy < MinPerCause).Select(p => $"{p.Cause} {p.Accuracy:P0}").ToList();
        Assert.True(weak.Count == 0, $"causes below {MinPerCause:P0}: {string.Join(", ", weak)}");
    }

    static bool DefaultPickMatches(CorpusCase c)
    {
        try { return BundleReader.Read(c.Folder).Container == c.Expected.Container; }
        catch (BundleException) { return false; }
    }

    static string Classify(CrashClassifier classifier, CorpusCase c)
    {
        try
        {
            return classifier.Classify(BundleReader.Read(c.Folder, c.Expected.Container)).Cause;
        }
        catch (BundleException e)
        {
            return $"bundle error: {e.Message}";
        }
    }
}
