using Webhook.Diagnosis;

namespace Webhook.Notify.Content;

/// <summary>The cause id in words a person on call reads first.</summary>
public static class CauseText
{
    public static string Words(string cause) => cause switch
    {
        Causes.OomKilled => "OOM killed at its memory limit",
        Causes.ProbeFailure => "Killed by a failing probe",
        Causes.BadCommand => "Command cannot be executed",
        Causes.WrongArchitecture => "Image built for the wrong CPU architecture",
        Causes.CleanExit => "Main process exits cleanly (exit 0)",
        Causes.NativeCrash => "Native crash (fatal signal)",
        Causes.RuntimeOutOfMemory => "Runtime out of heap memory",
        Causes.PermissionDenied => "Permission denied",
        Causes.ConfigError => "Configuration error",
        Causes.DependencyUnavailable => "Dependency unreachable at startup",
        Causes.ApplicationError => "Unhandled application error",
        _ => "Cause unknown",
    };
}
