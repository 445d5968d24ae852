using System.Text.RegularExpressions;
using k8s.Models;

namespace Webhook.Diagnosis;

public static partial class Remedies
{
    static IEnumerable<string> DependencyUnavailable(RuleMatch match, CrashFacts facts)
    {
        var target = Targets.HostPortNear(facts.Log, match.Detail);
        yield return target is null
            ? "Find which host and port the app tried in the log and check that service is up"
            : $"The app tried {target}: check that this Service exists in the right namespace and has ready endpoints (kubectl get endpoints), and that the port matches";
        yield return "Do not exit when a dependency is briefly down at startup: retry with backoff, or wait for it in an init container";
        yield return "If the Service is up, check NetworkPolicies and DNS (kubectl exec ... -- nslookup HOST) between the two";
    }

    static IEnumerable<string> ApplicationError(RuleMatch match, CrashFacts facts)
    {
        yield return $"The app throws at: {Text.Clip(match.Detail ?? match.Summary, 200)}: read the full trace with kubectl logs --previous and fix or guard that code path";
        if (RecentChange(facts) is { } change) yield return change;
        else yield return $"If this started with a new image ({facts.Spec?.Image}), roll back to the previous one while fixing it";
    }
}
