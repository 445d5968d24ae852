namespace Webhook.Diagnosis;

/// <summary>
/// The kubelet could not build the container's config: waiting reason CreateContainerConfigError, usually
/// a missing ConfigMap or Secret (or key), sometimes runAsNonRoot against an image that runs as root.
/// </summary>
public sealed class MissingConfigRefRule : ICrashRule
{
    public RuleMatch? Evaluate(CrashFacts facts)
    {
        var waitingMessage = facts.Waiting?.Reason == "CreateContainerConfigError" ? facts.Waiting.Message : null;
        var failed = facts.Events.FirstOrDefault(e => e.Reason == "Failed" && e.Message?.Contains("CreateContainerConfigError", StringComparison.Ordinal) == true
            || e.Reason == "Failed" && e.Message is { } m && (m.Contains("configmap \"", StringComparison.OrdinalIgnoreCase) || m.Contains("secret \"", StringComparison.OrdinalIgnoreCase)) && m.Contains("not found", StringComparison.OrdinalIgnoreCase));
        if (waitingMessage is null && failed is null && facts.Waiting?.Reason != "CreateContainerConfigError")
            return null;

        var message = waitingMessage ?? failed?.Message ?? "";
        var evidence = new List<Evidence>();
        if (facts.Waiting?.Reason == "CreateContainerConfigError") evidence.Add(new("pod.status", StatusText.Waiting(facts)));
        if (failed is not null) evidence.Add(new("event", ContainerEvents.Describe(failed)));

        if (message.Contains("runAsNonRoot", StringComparison.Ordinal))
            return new RuleMatch(Causes.PermissionDenied, 0.9,
                $"Container {facts.ContainerName} is not started: runAsNonRoot is set but the image runs as root.")
            { Evidence = evidence, Detail = message, Rule = nameof(MissingConfigRefRule) };

        return new RuleMatch(Causes.ConfigError, 0.93,
            $"Container {facts.ContainerName} cannot be created: {Text.Clip(message.Trim(), 200)}.")
        { Evidence = evidence, Detail = message, Rule = nameof(MissingConfigRefRule) };
    }
}
