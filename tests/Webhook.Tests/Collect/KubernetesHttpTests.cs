using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Webhook.Collect;
using Webhook.Tests.Support;

namespace Webhook.Tests.Collect;

/// <summary>
/// The API connection made from KubernetesClient's configuration (KubernetesHttp, KubernetesApi) against real HTTP
/// and HTTPS servers on loopback: the kubeconfig's token reaches the server, its CA is trusted and no other, its
/// client certificate is presented, errors are the client's exceptions, and a log streams as it is written.
/// </summary>
public sealed class KubernetesHttpTests : IDisposable
{
    readonly TempFolder temp = TestTemp.NewFolder("kubehttp");

    [Fact]
    public async Task TheKubeconfigsTokenIsSentAndA404IsTheClientsNotFound()
    {
        await using var server = LoopbackApp.Create();
        server.MapGet("/api/v1/namespaces/shop/pods/{name}", (HttpContext context, string name) =>
            context.Request.Headers.Authorization != "Bearer s3cret" ? Results.StatusCode(401)
            : name == "api-1" ? Results.Text("""{"kind":"Pod","metadata":{"name":"api-1","namespace":"shop"}}""", "application/json")
            : Results.Text("""{"kind":"Status","status":"Failure","reason":"NotFound","code":404}""", "application/json", statusCode: 404));
        await server.StartAsync();

        using var api = Connect(Kubeconfig(server.BaseUrl(), user: "token: s3cret"));
        var pod = await api.GetPodAsync("shop", "api-1", CancellationToken.None);
        Assert.Equal("api-1", pod.Metadata.Name);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => api.GetPodAsync("shop", "gone", CancellationToken.None));
        Assert.True(ApiGaps.IsNotFound(error));
        Assert.Equal("pod: not found", ApiGaps.Describe("pod", error, null));

        using var wrongToken = Connect(Kubeconfig(server.BaseUrl(), user: "token: wrong"));
        var unauthorized = await Assert.ThrowsAsync<HttpOperationException>(() => wrongToken.GetPodAsync("shop", "api-1", CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.Response.StatusCode);
    }

    [Fact]
    public async Task AnInClusterTokenFileIsReadForTheAuthorizationHeader()
    {
        await using var server = await AuthorizationEcho();
        var token = temp.File("token");
        File.WriteAllText(token, "service-account-token\n");
        // What InClusterConfig() sets up, with this folder's file in place of the service account's.
        var config = new KubernetesClientConfiguration { Host = server.BaseUrl().AbsoluteUri, TokenProvider = new k8s.Authentication.TokenFileAuth(token) };
        using var api = KubernetesHttp.Connect(config, TimeSpan.FromSeconds(30));
        Assert.Equal("Bearer service-account-token", (await api.GetPodAsync("shop", "api-1", CancellationToken.None)).Metadata.Name);
    }

    [Fact]
    public async Task AKubeconfigsExecPluginsTokenIsSent()
    {
        await using var server = await AuthorizationEcho();
        var plugin = temp.File("plugin.sh");
        File.WriteAllText(plugin, """
            echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"from-exec"}}'
            """);
        var user = $"""
            exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: /bin/sh
                  args: ["{plugin}"]
            """;
        using var api = Connect(Kubeconfig(server.BaseUrl(), user));
        Assert.Equal("Bearer from-exec", (await api.GetPodAsync("shop", "api-1", CancellationToken.None)).Metadata.Name);
    }

    [Fact]
    public async Task OverHttpsTheKubeconfigsCaIsTrustedAndItsClientCertificatePresented()
    {
        using var ca = Authority("test-ca");
        using var serverCertificate = Issue(ca, "127.0.0.1", server: true);
        using var client = Issue(ca, "webhook-test", server: false);
        await using var server = await HttpsServer(serverCertificate);

        var user = $"""
            client-certificate-data: {Base64(client.ExportCertificatePem())}
                client-key-data: {Base64(client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem())}
            """;
        using var api = Connect(Kubeconfig(server.BaseUrl(), user, ca: ca));
        var pod = await api.GetPodAsync("shop", "api-1", CancellationToken.None);
        // The server names the pod after the client certificate it was shown.
        Assert.Equal("CN=webhook-test", pod.Metadata.Name);
    }

    [Fact]
    public async Task AServerCertificateOfAnotherCaIsRefused()
    {
        using var ca = Authority("test-ca");
        using var other = Authority("other-ca");
        using var serverCertificate = Issue(other, "127.0.0.1", server: true);
        await using var server = await HttpsServer(serverCertificate);

        using var api = Connect(Kubeconfig(server.BaseUrl(), user: "token: t", ca: ca));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => api.GetPodAsync("shop", "api-1", CancellationToken.None));
        Assert.Contains("API server unreachable", ApiGaps.Describe("pod", error, null));
    }

    [Fact]
    public async Task ALogIsReadAsTheServerWritesItNotWhenItEnds()
    {
        var rest = new TaskCompletionSource();
        string? query = null;
        await using var server = LoopbackApp.Create();
        server.MapGet("/api/v1/namespaces/shop/pods/api-1/log", async (HttpContext context) =>
        {
            query = context.Request.QueryString.Value;
            await context.Response.WriteAsync("first line\n");
            await context.Response.Body.FlushAsync();
            // The rest of the log only once the client has read the first line: a buffered read would never get here.
            await rest.Task;
            await context.Response.WriteAsync("last line\n");
        });
        await server.StartAsync();

        using var api = Connect(Kubeconfig(server.BaseUrl(), user: "token: t"));
        await using var log = await api.OpenLogAsync("shop", "api-1", new LogQuery("app", true, 300, 4096), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        using var reader = new StreamReader(log);
        Assert.Equal("first line", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        rest.SetResult();
        Assert.Equal("last line", await reader.ReadLineAsync());
        Assert.Equal("?container=app&limitBytes=4096&previous=true&tailLines=300", query);
    }

    [Fact]
    public async Task AConfigMapsValuesNeverLeaveTheRead()
    {
        await using var server = LoopbackApp.Create();
        server.MapGet("/api/v1/namespaces/shop/configmaps/app", () => Results.Text(
            """{"kind":"ConfigMap","metadata":{"name":"app","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"DB_PASSWORD\":\"hunter2\"}}"}},"data":{"DB_PASSWORD":"hunter2"}}""",
            "application/json"));
        await server.StartAsync();

        using var api = Connect(Kubeconfig(server.BaseUrl(), user: "token: t"));
        var configMap = await api.GetConfigMapKeysAsync("shop", "app", CancellationToken.None);
        Assert.Equal("", configMap.Data["DB_PASSWORD"]);
        Assert.DoesNotContain("hunter2", KubernetesObjectJson.Serialize(configMap));
    }

    KubernetesApi Connect(string kubeconfig) =>
        KubernetesHttp.Connect(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig), TimeSpan.FromSeconds(30));

    string Kubeconfig(Uri server, string user, X509Certificate2? ca = null)
    {
        var path = temp.File($"kubeconfig-{Guid.NewGuid():n}");
        var authority = ca is null ? "" : $"\n    certificate-authority-data: {Base64(ca.ExportCertificatePem())}";
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: {server.AbsoluteUri.TrimEnd('/')}{authority}
            users:
            - name: u
              user:
                {user}
            contexts:
            - name: x
              context: {"{"}cluster: c, user: u{"}"}
            current-context: x
            """);
        return path;
    }

    /// <summary>A plain-HTTP API server whose pods are named after the Authorization header they were asked with.</summary>
    static async Task<WebApplication> AuthorizationEcho()
    {
        var server = LoopbackApp.Create();
        server.MapGet("/api/v1/namespaces/shop/pods/{name}", (HttpContext context) =>
            Results.Text($$$"""{"kind":"Pod","metadata":{"name":"{{{context.Request.Headers.Authorization}}}"}}""", "application/json"));
        await server.StartAsync();
        return server;
    }

    static async Task<WebApplication> HttpsServer(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = certificate;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate();
        })));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/api/v1/namespaces/shop/pods/{name}", (HttpContext context) =>
            Results.Text($$$"""{"kind":"Pod","metadata":{"name":"{{{context.Connection.ClientCertificate?.Subject ?? "anonymous"}}}"}}""", "application/json"));
        await app.StartAsync();
        return app;
    }

    static X509Certificate2 Authority(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    static X509Certificate2 Issue(X509Certificate2 ca, string name, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Parse(name));
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        return issued.CopyWithPrivateKey(key);
    }

    static string Base64(string pem) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(pem));

    public void Dispose() => temp.Dispose();
}
