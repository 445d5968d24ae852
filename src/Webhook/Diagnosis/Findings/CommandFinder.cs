using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>
/// How the container's process is started and why that fails or ends: the command line (the spec's, or the
/// image's when the spec sets none), args that replace the image's CMD without a command, a volume mounted over
/// the executable's directory, a script with Windows line endings, and for clean exits a bare base image whose
/// default shell meets an empty stdin, or a process that puts itself in the background.
/// </summary>
public sealed partial class CommandFinder : IFinder
{
    static readonly string[] Shells = ["/bin/sh", "sh", "/bin/bash", "bash", "/usr/bin/env", "/bin/ash", "/bin/dash"];

    static readonly string[] BaseImages = ["ubuntu", "debian", "alpine", "busybox", "centos", "fedora", "rockylinux", "almalinux", "amazonlinux", "archlinux", "opensuse", "redhat/ubi", "ubi8", "ubi9", "python", "node", "golang", "openjdk", "eclipse-temurin", "ruby", "php", "bash"];

    public IEnumerable<Finding> Find(CrashFacts facts, RuleMatch match)
    {
        if (match.Cause is not (Causes.BadCommand or Causes.CleanExit or Causes.WrongArchitecture or Causes.PermissionDenied))
            yield break;
        var spec = facts.Spec;
        var command = spec?.Command ?? [];
        var args = spec?.Args ?? [];
        var image = spec?.Image ?? "";
        var line = facts.CommandLine();
        yield return new Finding(FindingKinds.Command, line.Length > 0 ? $"the spec runs: {line}" : $"the spec sets no command: image {image}'s ENTRYPOINT/CMD runs", "pod.spec")
        {
            Values = new Dictionary<string, string> { ["command"] = string.Join(' ', command), ["args"] = string.Join(' ', args), ["image"] = image },
        };

        var detail = (match.Detail ?? "") + "\n" + (facts.Terminated?.Message ?? "");
        var executable = ExecMessage.Executable(detail);
        if (command.Count == 0 && args.Count > 0 && match.Cause == Causes.BadCommand)
            yield return new Finding(FindingKinds.ArgsOverrideEntrypoint,
                $"args [{string.Join(", ", args)}] are set without command: they replace the image's CMD and are passed to its ENTRYPOINT", "pod.spec")
            {
                Values = new Dictionary<string, string> { ["first"] = args[0], ["args"] = string.Join(' ', args) },
            };

        var path = executable ?? command.FirstOrDefault();
        if (path is not null && path.StartsWith('/') && match.Cause is Causes.BadCommand or Causes.PermissionDenied
            && spec?.VolumeMounts?.Where(m => path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal) && m.SubPath is null)
                .OrderByDescending(m => m.MountPath.Length).FirstOrDefault() is { } mount)
            yield return new Finding(FindingKinds.MountOverBinary,
                $"volume {mount.Name} is mounted at {mount.MountPath}, over the directory of {path}: the mount hides what the image has there", "pod.spec")
            {
                Values = new Dictionary<string, string> { ["volume"] = mount.Name, ["mountPath"] = mount.MountPath, ["path"] = path },
            };

        // A shell wrapper fails before the program does when the image has no shell (distroless, scratch).
        if (match.Cause == Causes.BadCommand && command.Count > 0 && Shells.Contains(command[0])
            && (facts.NeverStarted || facts.ExitCode is 126 or 127 or 128 || detail.Contains(command[0], StringComparison.Ordinal)))
        {
            var script = string.Join(' ', command.Skip(1).Where(c => c != "-c").Concat(args));
            var program = script.TrimStart().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            yield return new Finding(FindingKinds.ShellWrapper, $"the spec starts {command[0]} to run {Text.Clip(script, 120)}: an image without a shell cannot run it", "pod.spec")
            {
                Values = new Dictionary<string, string> { ["shell"] = command[0], ["script"] = script, ["program"] = program, ["image"] = image },
            };
        }

        // A relative file the loader cannot find ("The application 'app.dll' does not exist") while a volume sits on a
        // directory of the image: the mount may hide it. Said as a possibility, with the mount's own values.
        else if (path is null || !path.StartsWith('/'))
        {
            var missing = RelativeMissing().Match(detail + "\n" + string.Join('\n', facts.Log.Lines.TakeLast(20).Select(l => l.Text)));
            var candidate = (spec?.VolumeMounts ?? []).FirstOrDefault(m => m.SubPath is null && !m.MountPath.StartsWith("/var/run/secrets/", StringComparison.Ordinal)
                && facts.Snapshot.Pod?.Spec?.Volumes?.FirstOrDefault(v => v.Name == m.Name) is { ConfigMap: null, Secret: null, Projected: null });
            if (missing.Success && candidate is not null && match.Cause == Causes.BadCommand)
                yield return new Finding(FindingKinds.MountOverBinary,
                    $"{missing.Groups["f"].Value} is missing and volume {candidate.Name} is mounted at {candidate.MountPath}: if the image keeps it there, the mount hides it", "pod.spec")
                {
                    Values = new Dictionary<string, string> { ["volume"] = candidate.Name, ["mountPath"] = candidate.MountPath, ["path"] = missing.Groups["f"].Value },
                };
        }

        if (Crlf().IsMatch(detail) || facts.Log.Lines.Any(l => Crlf().IsMatch(l.Text)))
            yield return new Finding(FindingKinds.CrlfScript, "the script has Windows line endings: its shebang names an interpreter ending in \\r", "log")
            {
                Values = new Dictionary<string, string> { ["path"] = ExecMessage.CrlfScript(detail) ?? facts.Log.Lines.Select(l => ExecMessage.CrlfScript(l.Text)).FirstOrDefault(p => p is not null) ?? path ?? "" },
            };

        if (match.Cause != Causes.CleanExit)
            yield break;
        var repo = ImageRepository(image);
        if (command.Count == 0 && args.Count == 0 && BaseImages.Any(b => repo == b || repo.EndsWith("/" + b, StringComparison.Ordinal) || repo == "library/" + b))
            yield return new Finding(FindingKinds.NoCommand,
                $"image {image} is a base image and the spec sets no command: its default CMD (a shell or interpreter) reads an empty stdin and exits 0", "pod.spec")
            {
                Values = new Dictionary<string, string> { ["image"] = image, ["stdin"] = (spec?.Stdin ?? false).ToString() },
            };
        else if (Background().IsMatch(line) || facts.Log.Lines.TakeLast(5).Any(l => Daemonized().IsMatch(l.Text)))
            yield return new Finding(FindingKinds.Background, "the main process puts itself in the background (daemon mode or a trailing &), so PID 1 exits", "pod.spec")
            {
                Values = new Dictionary<string, string> { ["command"] = line },
            };
    }

    /// <summary>"docker.io/library/ubuntu:22.04@sha256:…" → "library/ubuntu"; "ubuntu" → "ubuntu".</summary>
    static string ImageRepository(string image)
    {
        var at = image.IndexOf('@');
        var name = at >= 0 ? image[..at] : image;
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > slash) name = name[..colon];
        var first = name.IndexOf('/');
        if (first > 0 && (name[..first].Contains('.') || name[..first].Contains(':'))) name = name[(first + 1)..];
        return name.ToLowerInvariant();
    }

    [GeneratedRegex(@"The application '(?<f>[^'/]+)' does not exist|Cannot find module '(?<f>\./[^']+)'|can't open file '(?<f>[^'/][^']*)'|Unable to access jarfile (?<f>[^/\s]\S*)|no such file or directory: '?(?<f>\./[^'\s]+)")]
    private static partial Regex RelativeMissing();

    [GeneratedRegex(@"\^M|\r\s*:|bad interpreter[^\n]*\r")]
    private static partial Regex Crlf();

    [GeneratedRegex(@"&\s*$|&\s*(;|&&)|--daemon\b|\s-d\b|daemonize\s+yes|\bstart\b\s*$|service \S+ start")]
    private static partial Regex Background();

    [GeneratedRegex(@"daemon(ized|izing)? (started|mode)|started in background|forking to background|detaching|daemon started", RegexOptions.IgnoreCase)]
    private static partial Regex Daemonized();
}
