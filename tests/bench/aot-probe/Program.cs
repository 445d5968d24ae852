// The service's /readyz and nothing else (the bare framework), optionally with one Kubernetes call mapped, as the
// service makes them: enough for the AOT compiler to keep the client, its models and its JSON context.
var app = WebApplication.CreateSlimBuilder(args).Build();
app.MapGet("/readyz", () => "ready");
#if KUBERNETES_CLIENT
app.MapGet("/pod/{ns}/{name}", async (string ns, string name) =>
{
    using var client = new k8s.Kubernetes(new k8s.KubernetesClientConfiguration { Host = "http://127.0.0.1:9" });
    var pod = await k8s.CoreV1OperationsExtensions.ReadNamespacedPodAsync(client.CoreV1, name, ns);
    return pod.Metadata.Name ?? "";
});
#endif
app.Run();
