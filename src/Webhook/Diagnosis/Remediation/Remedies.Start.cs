namespace Webhook.Diagnosis;

public static partial class Remedies
{
    static IEnumerable<string> BadCommand(RuleMatch match, CrashFacts facts)
    {
        var command = facts.CommandLine();
        yield return command.Length > 0
            ? $"The spec runs: {command}. Check that the executable exists in image {facts.Spec?.Image} at that path and is executable"
            : $"The spec sets no command, so the image's ENTRYPOINT/CMD runs: check them with docker inspect {facts.Spec?.Image}";
        var detail = match.Detail ?? "";
        if (detail.Contains("^M", StringComparison.Ordinal) || detail.Contains("bad interpreter", StringComparison.OrdinalIgnoreCase))
            yield return "The script has Windows line endings (CRLF): convert it with dos2unix or a .gitattributes rule (*.sh text eol=lf) before building the image";
        else if (detail.Contains("permission denied", StringComparison.OrdinalIgnoreCase) || facts.ExitCode == 126)
            yield return "Make the entrypoint executable at build time (RUN chmod +x, or COPY --chmod=755)";
        else
            yield return "For a script, its shebang interpreter (#!/bin/bash) must exist in the image too; slim and distroless images have no bash or sh";
        yield return "Use the exec form (command: [\"/app/server\", \"--flag\"]) and end entrypoint scripts with `exec \"$@\"`, or run tini as PID 1";
    }

    static IEnumerable<string> WrongArchitecture(CrashFacts facts)
    {
        var node = facts.Snapshot.Node?.Name ?? facts.Snapshot.Pod?.Spec?.NodeName;
        yield return $"Image {facts.Spec?.Image} was built for another CPU architecture than node {node ?? "(unknown)"}: check with docker manifest inspect {facts.Spec?.Image}";
        yield return "Build a multi-arch image (docker buildx build --platform linux/amd64,linux/arm64) or pin the pod to matching nodes with nodeSelector kubernetes.io/arch";
    }

    static IEnumerable<string> CleanExit(CrashFacts facts)
    {
        var command = facts.CommandLine();
        yield return "Run the main process in the foreground: no trailing `&`, no daemon mode (nginx -g 'daemon off;', redis --daemonize no, apache -DFOREGROUND), and `exec` it as the last line of an entrypoint script"
            + (command.Length > 0 ? $"; the spec runs: {command}" : "");
        yield return "If the work is meant to finish, run it as a Job or CronJob (restartPolicy: OnFailure) instead of under a Deployment";
        if (RecentChange(facts) is { } change) yield return change;
    }

    static IEnumerable<string> NativeCrash(CrashFacts facts)
    {
        yield return $"The process of image {facts.Spec?.Image} crashed in native code: get a core dump or run it under gdb/valgrind; check native libraries and extensions against the base image (glibc vs musl/alpine)";
        yield return "A SIGILL on some nodes only points at CPU features (AVX) the binary assumes; a SIGSEGV after an upgrade at a native dependency: pin the previous version";
        if (RecentChange(facts) is { } change) yield return change;
    }
}
