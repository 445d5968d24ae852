using Webhook.Collect;

namespace Webhook.Tests.Collect;

/// <summary>The command-line policy of the collector: flags and ordinary values stay, credentials go.</summary>
public class ArgRedactionTests
{
    public static TheoryData<string[], string[]> Cases => new()
    {
        // A flag named like a secret: its value after = or as the next word.
        { ["--db-password=s3cr3t", "--port=8080"], ["--db-password=(redacted)", "--port=8080"] },
        { ["--auth-token", "s3cr3t", "--verbose"], ["--auth-token", "(redacted)", "--verbose"] },
        { ["-Dapi.key=s3cr3t", "-jar", "app.jar"], ["-Dapi.key=(redacted)", "-jar", "app.jar"] },
        // A flag named like a secret followed by another flag has no value to cut.
        { ["--use-token", "--listen", ":9090"], ["--use-token", "--listen", ":9090"] },
        // A URL keeps scheme, host, port and path; its userinfo goes, up to the last @ (a password may hold one).
        { ["--broker", "amqp://guest:p@ss@rabbit:5672/vhost"], ["--broker", "amqp://rabbit:5672/vhost"] },
        { ["postgres://app:s3cr3t@db.shop.svc:5432/app"], ["postgres://db.shop.svc:5432/app"] },
        // Its query and fragment go whole: any key may carry a credential.
        { ["--upstream=https://api.shop/v1?sig=abc&x=1#frag"], ["--upstream=https://api.shop/v1?(redacted)"] },
        // Where a secret is kept is evidence, not the secret.
        { ["--tls-private-key-file=/etc/tls/key.pem", "--secret", "/run/secrets/db"], ["--tls-private-key-file=/etc/tls/key.pem", "--secret", "/run/secrets/db"] },
        { ["--client-cert-dir", "certs"], ["--client-cert-dir", "certs"] },
        // A script's words are read the same way.
        { ["sh", "-c", "exec app --password s3cr3t --token=t0k && echo PASSWORD=x"], ["sh", "-c", "exec app --password (redacted) --token=(redacted) && echo PASSWORD=(redacted)"] },
        // Ordinary words stay, host:port included.
        { ["--db-host=postgres", "redis:6379", "--config", "/etc/app.yaml"], ["--db-host=postgres", "redis:6379", "--config", "/etc/app.yaml"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CredentialsGoAndEvidenceStays(string[] words, string[] expected) =>
        Assert.Equal(expected, ArgRedaction.Redact(words));

    [Fact]
    public void NoWordsStayNone() => Assert.Null(ArgRedaction.Redact(null));
}
