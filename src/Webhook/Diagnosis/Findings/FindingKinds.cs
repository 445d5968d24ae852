namespace Webhook.Diagnosis;

/// <summary>
/// The kinds of finding. Stable strings: they appear in the diagnosis JSON (<c>findings[].kind</c>) and the
/// generic webhook's document.
/// </summary>
public static class FindingKinds
{
    // The instance that ended.
    public const string Termination = "termination";
    public const string NeverStarted = "never-started";
    public const string NotRestarting = "not-restarting";
    public const string FailingContainer = "failing-container";
    public const string RecentChange = "recent-change";

    // Probes.
    public const string ProbeHttpStatus = "probe-http-status";
    public const string ProbeRefused = "probe-connection-refused";
    public const string ProbeTimeout = "probe-timeout";
    public const string ProbeExecFailed = "probe-exec-failed";
    public const string ProbeError = "probe-error";
    public const string ProbeBudget = "probe-budget";
    public const string SlowStart = "slow-start";
    public const string OtherProbe = "other-probe";
    public const string ListeningPort = "listening-port";
    public const string StartupTime = "startup-time";

    // Memory.
    public const string MemoryLimit = "memory-limit";
    public const string HeapCap = "heap-cap";

    // Configuration.
    public const string MissingVariable = "missing-variable";
    public const string VariableSource = "variable-source";
    public const string ServiceLinkCollision = "service-link-collision";
    public const string UnknownFlag = "unknown-flag";
    public const string UnknownField = "unknown-field";
    public const string MissingReference = "missing-reference";
    public const string ConfigFile = "config-file";
    public const string RejectedCredential = "rejected-credential";

    // Files and permissions.
    public const string PathMount = "path-mount";
    public const string ReadOnlyPath = "read-only-path";
    public const string SecurityContext = "security-context";
    public const string PrivilegedPort = "privileged-port";
    public const string RbacDenied = "rbac-denied";
    public const string NonRootImage = "non-root-image";

    // Commands and exits.
    public const string Command = "command";
    public const string ArgsOverrideEntrypoint = "args-override-entrypoint";
    public const string MountOverBinary = "mount-over-binary";
    public const string CrlfScript = "crlf-script";
    public const string NoCommand = "no-command";
    public const string Background = "background-process";
    public const string ShellWrapper = "shell-wrapper";
    public const string InotifyLimit = "inotify-limit";

    // Native crashes.
    public const string InstructionSet = "instruction-set";
    public const string LibcMismatch = "libc-mismatch";
    public const string JvmCrashLog = "jvm-crash-log";

    // Dependencies and application errors.
    public const string Unreachable = "unreachable";
    public const string ModuleMissing = "module-missing";
    public const string CrashFrame = "crash-frame";
    public const string ReconciledObject = "reconciled-object";

    // Any cause.
    public const string LogHint = "log-hint";
    public const string MissingObject = "missing-object";
    public const string MountShadow = "mount-shadow";
    public const string QuotedValue = "quoted-value";
    public const string DroppedCapability = "dropped-capability";

    // Memory over time (Prometheus) and now (metrics.k8s.io).
    public const string MemoryHistory = "memory-history";
    public const string MemoryUsage = "memory-usage";

    // Answers to follow-up questions (objects/ of the bundle).
    public const string ServiceEndpoints = "service-endpoints";
    public const string NotAService = "not-a-service";
    public const string ConfigSource = "config-source";
    public const string SecretSource = "secret-source";
    public const string BlastRadius = "blast-radius";
    public const string RevisionChange = "revision-change";
    public const string NodePlatform = "node-platform";
    public const string MutableTag = "mutable-tag";
}
