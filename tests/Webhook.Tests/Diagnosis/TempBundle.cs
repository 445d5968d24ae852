using k8s;
using k8s.Models;

namespace Webhook.Tests.Diagnosis;

/// <summary>A bundle folder under the temp directory, deleted on dispose.</summary>
public sealed class TempBundle : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bundle-" + Guid.NewGuid().ToString("N"));

    public TempBundle() => Directory.CreateDirectory(System.IO.Path.Combine(Path, "logs"));

    public static TempBundle From(Crash crash)
    {
        var bundle = new TempBundle();
        var snapshot = crash.Snapshot();
        bundle.Write("pod.json", KubernetesJson.Serialize(snapshot.Pod!));
        bundle.Write("events.json", KubernetesJson.Serialize(new Corev1EventList { Items = snapshot.Events.ToList() }));
        if (crash.Log is not null) bundle.Write("logs/app.previous.log", crash.Log);
        return bundle;
    }

    public TempBundle Write(string relative, string text)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, relative), text);
        return this;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* best effort: temp files */ }
    }
}
