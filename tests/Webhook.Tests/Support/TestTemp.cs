using System.Runtime.CompilerServices;

namespace Webhook.Tests.Support;

/// <summary>
/// Every temporary file of a test run lives under one folder of its own, removed when the run ends. Tests (and the
/// service processes, Alertmanagers and Prometheuses they start, which inherit TMPDIR) call Path.GetTempPath() as
/// usual; a test that forgets to delete its folder, or a run killed by a timeout, no longer leaves hundreds of MB in
/// the machine's /tmp. Folders of earlier runs whose process is gone are removed at the next start.
/// </summary>
public static class TestTemp
{
    const string Prefix = "webhook-tests-run-";

    public static string Root { get; private set; } = "";

    [ModuleInitializer]
    internal static void Initialize()
    {
        var system = Path.GetTempPath();
        RemoveAbandoned(system);
        Root = Path.Combine(system, Prefix + Environment.ProcessId);
        Directory.CreateDirectory(Root);
        Environment.SetEnvironmentVariable("TMPDIR", Root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete(Root);
    }

    /// <summary>A new empty folder under the run's root; delete it when done (the run's root is the safety net).</summary>
    public static TempFolder NewFolder(string prefix = "t") => new(prefix);

    static void RemoveAbandoned(string system)
    {
        foreach (var folder in Directory.EnumerateDirectories(system, Prefix + "*"))
        {
            // Another test run (another worktree, another user) may be going on: only folders of dead processes go.
            if (OperatingSystem.IsLinux() && int.TryParse(Path.GetFileName(folder)[Prefix.Length..], out var pid) && !Directory.Exists($"/proc/{pid}"))
                Delete(folder);
        }
    }

    internal static void Delete(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* the next run removes it */ }
    }
}

/// <summary>A temporary folder removed on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():n}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => TestTemp.Delete(Path);
}
