namespace Webhook.Diagnosis;

/// <summary>
/// The Service an unreachable host names: by its DNS name (NAME, NAME.NS, NAME.NS.svc…, POD.NAME.NS.svc…), or, for an
/// IP, the answered Service of the pod's namespace whose ClusterIP it is.
/// </summary>
public static class DependencyService
{
    public static (string Service, string Namespace)? Of(Finding unreachable, Answers answers, string podNamespace)
    {
        if (unreachable.Get("scope") == "service" && unreachable.Get("service") is { } svc && unreachable.Get("namespace") is { } ns)
            return (svc, ns);
        if (unreachable.Get("scope") == "ip" && unreachable.Get("host") is { } ip
            && answers.All("Service", podNamespace).FirstOrDefault(s => Answers.Str(s["spec"]?["clusterIP"]) == ip) is { } byIp)
            return (Answers.Name(byIp)!, podNamespace);
        return null;
    }
}
