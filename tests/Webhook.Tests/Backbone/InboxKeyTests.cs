using System.Security.Cryptography;
using System.Text;
using Webhook.Alerts;
using Webhook.Inbox;

namespace Webhook.Tests.Backbone;

public class InboxKeyTests
{
    static AlertContext Alert(string route = "default", string fingerprint = "c0ffee", string status = "firing") => new()
    {
        Route = route,
        Status = status,
        Labels = new Dictionary<string, string> { ["alertname"] = "KubePodCrashLooping" },
        StartsAt = DateTimeOffset.Parse("2026-11-24T10:00:00Z"),
        Fingerprint = fingerprint,
    };

    [Fact]
    public void TheKeyIsTheFirstHalfOfTheSha256OfRouteFingerprintStartsAtAndStatus()
    {
        // Items stored by an earlier version must still match after an upgrade, or a re-sent alert posts twice.
        var raw = $"default|c0ffee|{DateTimeOffset.Parse("2026-11-24T10:00:00Z").UtcTicks}|firing";
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..32];

        Assert.Equal(expected, InboxKey.For(Alert()));
    }

    [Fact]
    public void AnyPartThatDiffersGivesADifferentKey()
    {
        var keys = new[] { InboxKey.For(Alert()), InboxKey.For(Alert(route: "team-a")), InboxKey.For(Alert(fingerprint: "c0ffef")), InboxKey.For(Alert(status: "resolved")) };
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }
}
