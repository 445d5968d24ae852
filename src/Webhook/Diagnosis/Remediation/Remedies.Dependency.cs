namespace Webhook.Diagnosis;

public static partial class Remedies
{
    static IEnumerable<string> DependencyUnavailable(CrashFacts facts, Findings findings)
    {
        var ns = facts.Namespace;
        if (findings.First(FindingKinds.Unreachable) is not { } u)
        {
            yield return $"Find which host and port the app tried in kubectl logs {Shell.Quote(facts.PodName)} -n {Shell.Quote(ns)} --previous and check that service is up";
            yield return "Do not exit when a dependency is briefly down at startup: retry with backoff, or wait for it in an init container";
            yield break;
        }
        var target = u.Get("target")!;
        var port = u.Get("port");
        var error = u.Get("error");
        switch (u.Get("scope"))
        {
            case "loopback" when u.Get("neighbour") is { } neighbour:
                yield return $"{target} is served inside the pod by container {neighbour} ({u.Get("neighbourState")}): the app fails because {neighbour} is not up; diagnose {neighbour} first (kubectl logs {Shell.Quote(facts.PodName)} -n {Shell.Quote(ns)} -c {Shell.Quote(neighbour)} --previous), and start the app only once it listens (a native sidecar, initContainers with restartPolicy: Always, starts first)";
                break;
            case "loopback":
                yield return $"The app connects to {target}, which is inside its own pod, and nothing there listens: a database or service in another pod must be addressed by its Service name (e.g. NAME.{ns}.svc{(port is null ? "" : ":" + port)}), so fix the host in the app's configuration";
                break;
            case "service":
                var svc = u.Get("service")!;
                var svcNs = u.Get("namespace")!;
                if (ServiceAnswered(facts, findings, svc, svcNs, port, error) is { } answered)
                {
                    foreach (var step in answered) yield return step;
                    break;
                }
                if (error == "name not resolved")
                    yield return $"The name in {target} does not resolve: check that Service {svc} exists in namespace {svcNs} (kubectl get svc {Shell.Quote(svc)} -n {Shell.Quote(svcNs)}); across namespaces use {svc}.{svcNs}.svc";
                else
                    yield return $"{target}: {error}. Check that Service {svc} in namespace {svcNs} has ready endpoints{(port is null ? "" : $" on port {port}")}: kubectl get endpointslices -n {Shell.Quote(svcNs)} -l kubernetes.io/service-name={Shell.Quote(svc)}; if none are ready, the pods behind it are the problem";
                if (error == "timed out")
                    yield return $"A timeout rather than a refusal points at a NetworkPolicy or firewall dropping traffic from namespace {ns} to {svc}{(port is null ? "" : $":{port}")}";
                break;
            case "ip" when findings.First(FindingKinds.ServiceEndpoints) is { } byIp
                && ServiceAnswered(facts, findings, byIp.Get("service")!, byIp.Get("namespace")!, port, error) is { } answeredByIp:
                yield return $"{u.Get("host")} is the ClusterIP of Service {byIp.Get("service")} ({byIp.Get("namespace")}): configure its DNS name {byIp.Get("service")}.{byIp.Get("namespace")}.svc rather than the IP, which changes when the Service is recreated";
                foreach (var step in answeredByIp) yield return step;
                break;
            case "ip":
                yield return $"{target}: {error}. Find which Service or pod owns {u.Get("host")} (kubectl get svc,pods -A -o wide | grep -F {Shell.Quote(u.Get("host")!)}) and check it has ready endpoints{(port is null ? "" : $" on port {port}")}; configure the Service's DNS name rather than an IP, which changes";
                break;
            default:
                yield return $"{target} is outside the cluster ({error}): check it is up and reachable from the node (DNS, egress NetworkPolicy, firewall, proxy), e.g. kubectl run -it --rm nettest --image=busybox --restart=Never -- nc -zv {Shell.Quote(u.Get("host")!)} {port ?? "PORT"}";
                break;
        }
        if (u.Get("variable") is { } variable)
            yield return $"The address comes from {variable} ({u.Get("variableSource")}): if {u.Get("host")} is not the right host{(port is null ? "" : " or port")}, fix it there";
        yield return "Do not exit when a dependency is briefly down at startup: retry with backoff, or wait for it in an init container";
    }

    static IEnumerable<string> ApplicationError(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var at = findings.First(FindingKinds.CrashFrame)?.Get("frame");
        if (findings.First(FindingKinds.ModuleMissing) is { } module)
            yield return $"Image {module.Get("image")} lacks {module.Get("module")}: add it to the app's dependencies (requirements.txt, package.json, Gemfile, pom/csproj) and rebuild, or fix the import path / working directory";
        yield return $"The app fails with: {Text.Clip(match.Detail ?? match.Summary, 200)}" + (at is null ? "" : $", raised at {at}") + ": fix or guard that code path";
        if (findings.First(FindingKinds.ReconciledObject) is { } obj)
            yield return $"Controller {obj.Get("controller")} died while reconciling {(obj.Get("namespace") is { Length: > 0 } n ? $"{n}/" : "")}{obj.Get("name")}: inspect that object (kubectl get it -o yaml); a field the controller cannot handle is the usual trigger, so fixing or removing it stops the loop while the bug is reported (component {facts.Spec?.Image})";
        if (findings.First(FindingKinds.InotifyLimit) is { } inotify)
        {
            yield return $"The node's inotify {inotify.Get("what")} limit is used up (it counts per user across every pod on node {inotify.Get("node")}): raise fs.inotify.max_user_instances / fs.inotify.max_user_watches on the node (sysctl, or a privileged DaemonSet), or stop the app from watching files";
            if (inotify.Get("runtime") == "dotnet")
                yield return "For .NET, stop watching configuration files: set env DOTNET_HOSTBUILDER__RELOADCONFIGONCHANGE=false (or DOTNET_USE_POLLING_FILE_WATCHER=true)";
            else if (inotify.Get("runtime") == "node")
                yield return "For Node.js file watchers (chokidar), set env CHOKIDAR_USEPOLLING=true, or do not watch files in production";
        }
        if (RecentChange(facts) is { } change) yield return change;
        else if (Owner(facts) is { } owner)
            yield return $"If this started with a new image ({facts.Spec?.Image}), roll back while fixing it: kubectl rollout undo {owner} -n {Shell.Quote(facts.Namespace)}";
        else yield return $"If this started with a new image ({facts.Spec?.Image}), roll back to the previous one while fixing it";
    }
}
