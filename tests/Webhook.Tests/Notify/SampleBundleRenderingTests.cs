using Webhook.Notify.Slack;
using Webhook.Notify.Teams;
using static Webhook.Tests.Notify.NotifyTestKit;

namespace Webhook.Tests.Notify;

public class SampleBundleRenderingTests
{
    [Fact]
    public async Task RealSampleBundlesRenderWithTheirOwnerRevisionExitCodeAndLastLogLine()
    {
        var samples = await SampleBundles.LoadAsync();
        Assert.NotEmpty(samples);
        foreach (var (name, n) in samples)
        {
            var c = Content.Build(n);
            var slack = SlackJson.Serialize(SlackRenderer.Render(c));
            Assert.Null(ChatStandIn.SlackLimitError(slack));
            Assert.True(TeamsJson.Utf8Size(TeamsRenderer.Render(c)) < TeamsLimits.TargetMessageBytes, name);
            Assert.StartsWith("deployment demo/", c.Workload);
            Assert.Contains(c.Facts, f => f.Name == "Owner" && f.Value.Contains("revision", StringComparison.Ordinal));
            Assert.Contains(c.Facts, f => f.Name == "Exit code");
            Assert.Contains(c.Facts, f => f.Name == "Image");
            Assert.Contains(SlackRenderer.Esc(n.Diagnosis.Evidence[0].Text), slack.Replace("\\u0027", "'").Replace("\\\"", "\""));
        }
    }

    [Fact]
    public async Task TheOomSampleShowsTheMemoryLimitChangeOfItsRollout()
    {
        var (_, n) = (await SampleBundles.LoadAsync()).Single(s => s.Name == "sample-oom-killed");
        var c = Content.Build(n);
        Assert.Contains(c.Facts, f => f.Name == "Recent change" && f.Value.Contains("memory limit 512Mi → 256Mi", StringComparison.Ordinal));
        Assert.Contains(c.Facts, f => f.Name == "Exit code" && f.Value.StartsWith("137 (SIGKILL)", StringComparison.Ordinal));
    }
}
