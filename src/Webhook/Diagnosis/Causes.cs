namespace Webhook.Diagnosis;

/// <summary>The stable cause ids of taxonomy.md (JSON, metric labels, webhook schema).</summary>
public static class Causes
{
    public const string OomKilled = "oom-killed";
    public const string ProbeFailure = "probe-failure";
    public const string BadCommand = "bad-command";
    public const string WrongArchitecture = "wrong-architecture";
    public const string CleanExit = "clean-exit";
    public const string NativeCrash = "native-crash";
    public const string RuntimeOutOfMemory = "runtime-out-of-memory";
    public const string PermissionDenied = "permission-denied";
    public const string ConfigError = "config-error";
    public const string DependencyUnavailable = "dependency-unavailable";
    public const string ApplicationError = "application-error";
    public const string Unknown = "unknown";

    public static readonly IReadOnlyList<string> All =
    [
        OomKilled, ProbeFailure, BadCommand, WrongArchitecture, CleanExit, NativeCrash,
        RuntimeOutOfMemory, PermissionDenied, ConfigError, DependencyUnavailable, ApplicationError, Unknown,
    ];
}
