using Webhook.Collect;

namespace Webhook.Diagnosis;

/// <summary>Pure: no I/O, no clock. A snapshot in, a diagnosis out.</summary>
public interface ICrashClassifier
{
    CrashDiagnosis Classify(PodSnapshot snapshot);
}
