namespace Webhook.Tests.Notify;

/// <summary>One secret of each kind the redactor must catch: (kind, text containing it, the secret part).</summary>
public static class PlantedSecrets
{
    public static readonly (string Kind, string Text, string Secret)[] All =
    [
        ("bearer header", "Authorization: Bearer tok3nSECRETbearer1234567890", "tok3nSECRETbearer1234567890"),
        ("basic header", "authorization: Basic dXNlcjpzZWNyZXRwYXNzd29yZA==", "dXNlcjpzZWNyZXRwYXNzd29yZA=="),
        ("bare bearer", "calling api with Bearer abcSECRETdef0123456789xyz", "abcSECRETdef0123456789xyz"),
        ("jwt", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlU0VDUkVU rejected", "eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlU0VDUkVU"),
        ("aws access key", "using key AKIAZ7SECRETKEY12345 for s3", "AKIAZ7SECRETKEY12345"),
        ("aws secret key", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"),
        ("gcp api key", "maps key AIzaSyD-SECRETgcpKEY0123456789abcdefgh ok", "SyD-SECRETgcpKEY0123456789abcdefgh"),
        ("gcp private key id", "\"private_key_id\": \"8f2b1c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b\"", "8f2b1c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b"),
        ("azure storage", "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=SECRETazureKEY0123456789abcdef+/==;EndpointSuffix=core.windows.net", "SECRETazureKEY0123456789abcdef+/=="),
        ("azure client secret", "client secret Xy71Q~SECRETazureAADsecretVALUE0123456 set", "Xy71Q~SECRETazureAADsecretVALUE0123456"),
        ("azure sas", "GET https://shop.blob.core.windows.net/c/b?sv=2022-11-02&sig=SECRETsasSIG%2Bvalue0123", "SECRETsasSIG%2Bvalue0123"),
        ("github token", "git clone with ghp_SECRETgithubTOKEN0123456789abcdefghij", "SECRETgithubTOKEN0123456789abcdefghij"),
        ("github fine-grained", "github_pat_11ABCDEFG0SECRETfinegrained_0123456789abcdef", "11ABCDEFG0SECRETfinegrained_0123456789abcdef"),
        ("slack bot token", "slack client xoxb-123456789012-SECRETslackBOT-token0123", "123456789012-SECRETslackBOT-token0123"),
        ("slack webhook", "posting to https://hooks.slack.com/services/T0000/B0000/SECRETslackHOOK0123", "T0000/B0000/SECRETslackHOOK0123"),
        ("stripe key", "stripe.api_key = sk_live_SECRETstripeKEY0123456789", "SECRETstripeKEY0123456789"),
        ("url password", "connecting to postgres://billing:SECRETdbPASS@db:5432/app", "SECRETdbPASS"),
        ("password pair", "login failed password=SECRETpairPASS for user app", "SECRETpairPASS"),
        ("secret pair", "client_secret: SECRETclientVALUE99", "SECRETclientVALUE99"),
        ("token pair", "token=SECRETtokenPAIR77 expired", "SECRETtokenPAIR77"),
        ("api key pair", "\"api_key\": \"SECRETapiKEYpair55\"", "SECRETapiKEYpair55"),
        ("connection string", "Server=db;Database=shop;User Id=sa;Password=SECRETsqlPASS;", "SECRETsqlPASS"),
        ("pem key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEASECRETpemBODYline1\nSECRETpemBODYline2==\n-----END RSA PRIVATE KEY-----", "SECRETpemBODY"),
    ];

    /// <summary>Every secret in one crash log, one per line, the way a leaky app prints them.</summary>
    public static string CrashLog => string.Join('\n', All.Select(s => s.Text)) + "\npanic: could not start";

    /// <summary>A distinctive piece of every secret: none of these may leave the process.</summary>
    public static IEnumerable<string> Needles => All.Select(s => s.Secret).Append("SECRET");
}
