using Webhook.Notify.Content;

namespace Webhook.Tests.Notify;

public class LogExcerptTests
{
    [Fact]
    public void IdenticalLinesInARowReadOnceWithTheirCount()
    {
        var log = "starting\n" + string.Concat(Enumerable.Repeat("retrying db:5432\n", 8)) + "giving up";
        var excerpt = LogExcerpt.Cut(log, [], 10_000).Split('\n');
        Assert.Equal(["starting", "retrying db:5432  (× 8)", "giving up"], excerpt);
    }

    [Fact]
    public void TheDecisiveLineIsMarkedAndNotFoldedIntoTheLinesBeforeIt()
    {
        var log = "x\nERROR boom\nERROR boom\nERROR boom";
        var excerpt = LogExcerpt.Cut(log, ["ERROR boom"], 10_000).Split('\n');
        Assert.Equal(LogExcerpt.Marker + "ERROR boom", excerpt[^1]);
        Assert.DoesNotContain(excerpt[..^1], l => l.StartsWith(LogExcerpt.Marker, StringComparison.Ordinal));
    }
}
