namespace Webhook.Diagnosis;

/// <summary>Names of the POSIX signals behind exit codes 128+N.</summary>
public static class Signals
{
    static readonly string[] Names =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>"SIGKILL" for 137; null for codes that are not 128+N.</summary>
    public static string? ForExitCode(int? exitCode) =>
        exitCode is > 128 and < 160 && exitCode - 128 < Names.Length ? Names[exitCode.Value - 128] : null;
}
