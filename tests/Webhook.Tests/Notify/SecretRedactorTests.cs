using Webhook.Notify.Safety;

namespace Webhook.Tests.Notify;

public class SecretRedactorTests
{
    public static TheoryData<string, string, string> Secrets()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (kind, text, secret) in PlantedSecrets.All) data.Add(kind, text, secret);
        return data;
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public void EachKindOfSecretIsMasked(string kind, string text, string secret)
    {
        var redacted = SecretRedactor.Default.Redact(text);
        Assert.False(redacted.Contains(secret, StringComparison.Ordinal), $"{kind} leaked: {redacted}");
        Assert.Contains(SecretRedactor.Mask, redacted);
    }

    [Theory]
    [InlineData("connecting to postgres://billing:hunter2@db:5432/app", "connecting to postgres://billing:****@db:5432/app")]
    [InlineData("Authorization: Bearer abc.def-123456789", "Authorization: Bearer ****")]
    [InlineData("git remote ghp_0123456789abcdefghijklmnopqrstuvwxyz", "git remote ghp_****")]
    [InlineData("password=hunter2 user=app", "password=**** user=app")]
    [InlineData("key AKIAIOSFODNN7EXAMPLE used", "key AKIA**** used")]
    public void RedactedTextKeepsItsShape(string input, string expected) =>
        Assert.Equal(expected, SecretRedactor.Default.Redact(input));

    [Theory]
    [InlineData("KeyError: 'DATABASE_URL'")]
    [InlineData("dial tcp 10.0.3.4:5432: connect: connection refused")]
    [InlineData("java.lang.OutOfMemoryError: Java heap space")]
    [InlineData("the password field is required")]
    [InlineData("http://prometheus:9090/graph?g0.expr=up")]
    public void OrdinaryDiagnosticTextIsLeftAlone(string text) => Assert.Equal(text, SecretRedactor.Default.Redact(text));

    [Fact]
    public void APemKeyCutOffByTheLogTailIsStillMasked()
    {
        var redacted = SecretRedactor.Default.Redact("loading\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC");
        Assert.DoesNotContain("MIIEvQ", redacted);
    }

    [Fact]
    public void ExtraPatternsFromConfigurationAreMaskedWholeOrByTheirSecretGroup()
    {
        var redactor = new SecretRedactor([@"ACME-[0-9]{6}", @"session=(?<secret>\w+)"]);
        Assert.Equal("id **** and session=**** ok", redactor.Redact("id ACME-123456 and session=abcdef ok"));
    }

    [Fact]
    public void RedactingTwiceChangesNothingMore()
    {
        var once = SecretRedactor.Default.Redact(PlantedSecrets.CrashLog);
        Assert.Equal(once, SecretRedactor.Default.Redact(once));
    }

    [Fact]
    public void AnInvalidExtraPatternStopsStartUpNamingItsKeyNotItsText()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new SecretRedactor(["ok", "(unclosed-SECRET"]));
        Assert.Contains("Redaction:ExtraPatterns:1", error.Message);
        Assert.DoesNotContain("SECRET", error.Message);
    }
}
