using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

public static partial class Remedies
{
    /// <summary>The file a loader could not find: Node's "Cannot find module '/app/dist/main'", .NET's "The application 'x.dll' does not exist".</summary>
    [GeneratedRegex(@"Cannot find module '(?<f>[^']+)'|The application '(?<f>[^']+)' does not exist|can't open file '(?<f>[^']+)'|Unable to access jarfile (?<f>\S+)")]
    private static partial Regex MissingFile();

    static IEnumerable<string> BadCommand(RuleMatch match, CrashFacts facts, Findings findings)
    {
        var image = facts.Spec?.Image;
        if (findings.First(FindingKinds.MountOverBinary) is { } mount)
            yield return $"Volume {mount.Get("volume")} is mounted at {mount.Get("mountPath")}" + (mount.Get("path")!.StartsWith('/') ? $" and hides the image's {mount.Get("path")}" : $": if the image keeps {mount.Get("path")} there, the mount hides it") + ": mount the volume at another path (or mount single files with subPath) so the executable stays visible";
        if (findings.First(FindingKinds.ArgsOverrideEntrypoint) is { } args)
            yield return $"The spec sets args [{args.Get("args")}] without command: args replace the image's CMD and go to its ENTRYPOINT as arguments. To run {args.Get("first")} as the program, set command: [\"{args.Get("first")}\"] (and the rest as args)";
        if (findings.Has(FindingKinds.CrlfScript))
            yield return $"The script{(findings.First(FindingKinds.CrlfScript)!.Get("path") is { Length: > 0 } p ? $" {p}" : "")} has Windows line endings (CRLF), so its #! interpreter is looked up with a trailing \\r: convert it with dos2unix (or a .gitattributes rule *.sh text eol=lf) and rebuild the image";
        if (findings.First(FindingKinds.ShellWrapper) is { } wrapper)
            yield return $"The spec wraps the program in {wrapper.Get("shell")} -c; if image {wrapper.Get("image")} has no shell (distroless and scratch images have none) that fails before anything runs: run the program directly, without a shell and without a trailing & (command: [\"{wrapper.Get("program")}\", ...the flags as separate args])";
        var command = facts.CommandLine();
        var executable = ExecMessage.Executable(match.Detail) ?? ExecMessage.Executable(facts.Terminated?.Message) ?? ExecMessage.Executable(facts.Verdict?.Line.Text)
            ?? (MissingFile().Match(match.Detail ?? "") is { Success: true } file ? file.Groups["f"].Value : null);
        if (facts.ExitCode == 126 || (match.Detail ?? "").Contains("permission denied", StringComparison.OrdinalIgnoreCase))
            yield return $"{executable ?? (command.Length > 0 ? command : "The entrypoint")} exists but is not executable (exit 126): make it executable at build time (RUN chmod +x, or COPY --chmod=755), and check the volume it is on is not mounted noexec";
        else if (!findings.Has(FindingKinds.MountOverBinary) && !findings.Has(FindingKinds.CrlfScript) && !findings.Has(FindingKinds.ShellWrapper))
            yield return executable is not null
                ? $"\"{executable}\" is not in image {image}{(executable.StartsWith('/') ? "" : "'s $PATH")}: use the path the image really has (docker run --rm --entrypoint sh {image} -c 'command -v {executable}'), or install it; a script's #! interpreter must exist in the image too (slim and distroless images have no bash or sh)"
                : command.Length > 0
                    ? $"The spec runs: {command}. Check that the executable exists in image {image} at that path (exit 127 means not found) and that a script's #! interpreter exists there too"
                    : $"The spec sets no command, so the image's ENTRYPOINT/CMD runs: check them with docker inspect {image}";
        if (RecentChange(facts) is { } change) yield return change;
    }

    static IEnumerable<string> WrongArchitecture(CrashFacts facts)
    {
        var node = facts.Snapshot.Node?.Name ?? facts.Snapshot.Pod?.Spec?.NodeName;
        var image = facts.Spec?.Image;
        yield return $"Image {image} was built for another CPU architecture than node {node ?? "(unknown)"}: compare docker manifest inspect {image} with kubectl get node {node ?? "NODE"} -o jsonpath='{{.status.nodeInfo.architecture}}'";
        yield return $"Publish {image} for every node architecture (docker buildx build --platform linux/amd64,linux/arm64), or pin the pod to matching nodes with nodeSelector kubernetes.io/arch";
    }

    static IEnumerable<string> CleanExit(CrashFacts facts, Findings findings)
    {
        var command = facts.CommandLine();
        if (findings.First(FindingKinds.NoCommand) is { } bare)
        {
            yield return $"Image {bare.Get("image")} has no long-running program of its own: its default CMD is a shell or interpreter, which reads an empty stdin and exits 0 at once. Set command (and args) to the process the container should run";
            yield return "To keep a bare container up for debugging only, run command: [\"sleep\", \"infinity\"] (or set stdin: true and tty: true)";
        }
        else if (findings.Has(FindingKinds.Background))
            yield return $"The process backgrounds itself, so PID 1 returns and the container ends: run it in the foreground (no trailing &, no daemon mode: nginx -g 'daemon off;', redis --daemonize no, apache -DFOREGROUND, pm2-runtime instead of pm2 start) and exec it as the last line of an entrypoint script{(command.Length > 0 ? $"; the spec runs: {command}" : "")}";
        else
            yield return "Run the main process in the foreground: no trailing `&`, no daemon mode, and `exec` it as the last line of an entrypoint script"
                + (command.Length > 0 ? $"; the spec runs: {command}" : $"; the image {facts.Spec?.Image} runs its own ENTRYPOINT/CMD");
        yield return $"If the work is meant to finish (a migration, a batch, a one-off script), run it as a Job or CronJob (restartPolicy: OnFailure) instead of under a {facts.Snapshot.Workload?.Kind ?? "Deployment"}";
        if (RecentChange(facts) is { } change) yield return change;
    }

    static IEnumerable<string> NativeCrash(CrashFacts facts, Findings findings)
    {
        var image = facts.Spec?.Image;
        if (findings.First(FindingKinds.InstructionSet) is { } isa)
        {
            var feature = isa.Get("feature") is { Length: > 0 } f ? f : null;
            yield return $"The binary in {image} uses {(feature is null ? "a CPU feature (often AVX/AVX2)" : feature)} that the CPU type of node {isa.Get("node")} lacks (SIGILL): run it on nodes whose CPU has it (a newer VM/instance type, or nodeSelector feature.node.kubernetes.io/cpu-cpuid.{feature ?? "AVX"}=true with Node Feature Discovery), or use an image variant built without it";
        }
        if (findings.First(FindingKinds.LibcMismatch) is { } libc)
            yield return libc.Get("libc") == "musl"
                ? $"The binary was linked against glibc but {libc.Get("image")} is musl-based (alpine): use a glibc base image (debian-slim, distroless/base) or build it on alpine / statically (CGO_ENABLED=0 for Go)"
                : $"The binary needs a C library the image lacks ({libc.Get("line")}): build it against the image's own base, or use the base image it was built on";
        if (findings.First(FindingKinds.JvmCrashLog) is { } hs)
            yield return $"The JVM wrote its crash report to {hs.Get("path")}, which dies with the container: set -XX:ErrorFile=/some/volume/hs_err_pid%p.log on a mounted volume and read its \"Problematic frame\"{(hs.Get("frame") is { Length: > 0 } frame ? $" (this time: {frame})" : "")}; a JIT compiler frame is a JVM bug: upgrade the JDK or exclude the method";
        if (findings.First(FindingKinds.CrashFrame) is { } where && !findings.Has(FindingKinds.InstructionSet))
            yield return $"It crashed in {where.Get("frame")}: that native code ({where.Get("library")}) is the suspect: upgrade or pin {where.Get("library")} to a version without the crash, and check it was built for this image's base (glibc vs musl)";
        if (!findings.Has(FindingKinds.InstructionSet) && !findings.Has(FindingKinds.LibcMismatch) && !findings.Has(FindingKinds.CrashFrame))
            yield return $"The process of image {image} crashed in native code: get a core dump (or run it under gdb) and check native libraries and extensions against the base image (glibc vs musl/alpine)";
        if (RecentChange(facts) is { } change) yield return change;
        else yield return $"If the crash began with a new image or a new native dependency, pin the previous version of {image} while it is investigated";
    }
}
