using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Exceptions;

namespace Webhook.Collect;

/// <summary>
/// The connection to one API server as KubernetesClient's configuration describes it (in-cluster service account,
/// kubeconfig with a CA, client certificates, tokens, exec plugins), without the client's generated operations:
/// the library still reads the configuration and makes the credentials (<see cref="Kubernetes.CreateCredentials"/>:
/// the in-cluster token is re-read when it rotates, exec plugins run when their token expires); this builds the
/// HttpClient the way the client does (TLS trust in the configured CA, client certificate, the given handlers).
/// </summary>
public static class KubernetesHttp
{
    public static KubernetesApi Connect(KubernetesClientConfiguration config, TimeSpan timeout, params DelegatingHandler[] handlers)
    {
        if (string.IsNullOrWhiteSpace(config.Host))
            throw new KubeConfigException("the configuration names no API server (Host)");
        if (!Uri.TryCreate(config.Host, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
            throw new KubeConfigException($"the API server address '{config.Host}' is not an http(s) URL");
        var handler = new SocketsHttpHandler
        {
            // As the client: HTTP/2 pings keep long-lived connections to the API server honest.
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromMinutes(3),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        };
        if (server.Scheme == "https")
            ConfigureTls(handler.SslOptions, config);
        HttpMessageHandler first = handler;
        for (var i = handlers.Length - 1; i >= 0; i--)
        {
            handlers[i].InnerHandler = first;
            first = handlers[i];
        }
        // Timeouts are per request in KubernetesApi (the log stream is read longer than its headers take).
        var http = new HttpClient(first, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"crashloop-webhook/{typeof(KubernetesHttp).Assembly.GetName().Version?.ToString(3)}");
        return new KubernetesApi(http, server, Kubernetes.CreateCredentials(config), timeout);
    }

    static void ConfigureTls(SslClientAuthenticationOptions ssl, KubernetesClientConfiguration config)
    {
        if (!string.IsNullOrEmpty(config.TlsServerName))
            ssl.TargetHost = config.TlsServerName;
        if (config.SkipTlsVerify)
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        else if (config.SslCaCerts is { Count: > 0 } ca)
            ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => TrustedBy(ca, certificate, errors);
        // Without a CA of its own the server's certificate must chain to the system's roots (the default).
        if (ClientCertificate(config) is { } clientCertificate)
        {
            ssl.ClientCertificates = [clientCertificate];
            // Whatever issuers the server names: the API server accepts certificates of its own client CA, which it
            // need not list.
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }
    }

    /// <summary>The server's certificate is valid for its name and chains to one of the configured CAs (or to a system root).</summary>
    internal static bool TrustedBy(X509Certificate2Collection ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        // A wrong name or no certificate at all is never made good by a CA.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }

    /// <summary>The client certificate of the kubeconfig's user (inline base64 PEM, or files), or null.</summary>
    internal static X509Certificate2? ClientCertificate(KubernetesClientConfiguration config)
    {
        string? certificate = null, key = null;
        if (!string.IsNullOrEmpty(config.ClientCertificateData) && !string.IsNullOrEmpty(config.ClientCertificateKeyData))
            (certificate, key) = (Pem(config.ClientCertificateData), Pem(config.ClientCertificateKeyData));
        else if (!string.IsNullOrEmpty(config.ClientCertificateFilePath) && !string.IsNullOrEmpty(config.ClientKeyFilePath))
            (certificate, key) = (File.ReadAllText(config.ClientCertificateFilePath), File.ReadAllText(config.ClientKeyFilePath));
        if (certificate is null || key is null)
            return null;
        try
        {
            return X509Certificate2.CreateFromPem(certificate, key);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new KubeConfigException($"the client certificate or its key cannot be read: {e.Message}", e);
        }
    }

    // Kubeconfig's *-data fields hold the PEM text base64-encoded.
    static string Pem(string data)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data));
        }
        catch (FormatException e)
        {
            throw new KubeConfigException("client-certificate-data or client-key-data is not base64", e);
        }
    }
}
