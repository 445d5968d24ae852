using System.Globalization;
using k8s.Models;
using Webhook.Diagnosis;
using Webhook.Notify.Safety;

namespace Webhook.Notify.Content;

/// <summary>Pure: a notification to the chat-neutral <see cref="MessageContent"/>, every untrusted string redacted.</summary>
public sealed class ContentBuilder(SecretRedactor redactor)
{
    public MessageContent Build(Notification n)
    {
        var (alert, snapshot, diagnosis) = (n.Alert, n.Snapshot, n.Diagnosis);
        var container = diagnosis.Container ?? snapshot.Container ?? alert.Container;
        var pod = alert.Pod ?? snapshot.PodName;
        var ns = alert.Namespace ?? snapshot.Namespace;
        var status = FindStatus(snapshot.Pod, container);

        var evidenceLines = diagnosis.Evidence.Where(e => e.Source != "log")
            .Select(e => R($"{e.Source}: {e.Text}")).ToList();
        var logEvidence = diagnosis.Evidence.Where(e => e.Source == "log").Select(e => R(e.Text)).ToList();
        var log = snapshot.PreviousLog;
        var logText = log is not null && !string.IsNullOrWhiteSpace(log.Text) ? R(log.Text)
            : logEvidence.Count > 0 ? string.Join('\n', logEvidence) : null;

        var certainty = diagnosis.Certainty;
        var role = diagnosis.Findings.FirstOrDefault(f => f.Kind == Diagnosis.FindingKinds.FailingContainer);
        var workload = Workload(n);
        return new MessageContent
        {
            Cause = diagnosis.Cause,
            CauseWords = Diagnosis.Certainty.Prefix(diagnosis.Confidence, diagnosis.Cause) is { Length: > 0 } prefix
                ? prefix + char.ToLowerInvariant(CauseText.Words(diagnosis.Cause)[0]) + CauseText.Words(diagnosis.Cause)[1..]
                : CauseText.Words(diagnosis.Cause),
            Workload = R(role is null ? workload : $"{role.Get("role")} {role.Get("container")} in {workload}"),
            Certainty = certainty,
            RunnerUp = diagnosis.Alternatives.Count > 0 ? CauseText.Words(diagnosis.Alternatives[0].Cause) : null,
            Change = diagnosis.Change is { } change ? new(R(change.Text), R(change.Command)) : null,
            Summary = R(diagnosis.Summary),
            Facts = Diagnosis.PodFacts.For(snapshot, diagnosis, ns, pod).Select(f => new Fact(f.Name, R(f.Value))).ToList(),
            EvidenceLines = evidenceLines,
            Log = logText,
            LogEvidence = logEvidence,
            LogLabel = log?.Source switch
            {
                Collect.LogSource.Previous => "previous log",
                Collect.LogSource.TerminationMessage => "termination message",
                Collect.LogSource.Current => "current log",
                _ => "log evidence",
            },
            Remediation = diagnosis.Remediation.Select(R).ToList(),
            Commands = diagnosis.Commands.Select(R).ToList(),
            // Gaps are a footnote, and only when they matter: a certain cause does not need what was not seen.
            Missing = certainty == "certain" ? [] : diagnosis.Missing.Select(R).ToList(),
            Confidence = Math.Clamp(diagnosis.Confidence, 0, 1),
            Links = AlertLinks.For(alert, redactor),
            Resolved = alert.IsResolved,
            Lasted = alert.EndsAt is { } end ? end - alert.StartsAt : null,
            RestartCount = diagnosis.RestartCount ?? status?.RestartCount,
            Pod = R(pod),
        };
    }

    /// <summary>"deployment shop/api" (<see cref="PodWorkload"/>: a ReplicaSet owner stands for its Deployment); else the pod itself.</summary>
    public static string Workload(Notification n)
    {
        var ns = n.Alert.Namespace ?? n.Snapshot.Namespace;
        return PodWorkload.Of(n.Snapshot.Pod, n.Snapshot.Workload) is { } w
            ? $"{w.Kind.ToLowerInvariant()} {ns}/{w.Name}"
            : $"pod {ns}/{n.Alert.Pod ?? n.Snapshot.PodName}";
    }

    private string R(string? s) => redactor.Redact(s);

    private static V1ContainerStatus? FindStatus(V1Pod? pod, string? container) =>
        (pod?.Status?.ContainerStatuses ?? []).Concat(pod?.Status?.InitContainerStatuses ?? [])
            .FirstOrDefault(s => s.Name == container);
}
