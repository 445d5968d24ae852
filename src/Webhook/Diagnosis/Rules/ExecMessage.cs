using System.Text.RegularExpressions;

namespace Webhook.Diagnosis;

/// <summary>Digs the useful clause out of a long "OCI runtime create failed: ..." message.</summary>
public static partial class ExecMessage
{
    public static string? Describe(string message)
    {
        var m = ExecNotFound().Match(message);
        if (m.Success) return $"\"{m.Groups[1].Value}\" is not in the image's $PATH";
        m = ExecFile().Match(message);
        if (m.Success) return $"exec {m.Groups[1].Value}: {m.Groups[2].Value}";
        return null;
    }

    /// <summary>The executable the runtime tried, when the message names it.</summary>
    public static string? Executable(string? message)
    {
        if (message is null) return null;
        var m = ExecNotFound().Match(message);
        if (m.Success) return m.Groups[1].Value;
        m = ExecFile().Match(message);
        if (m.Success) return m.Groups[1].Value;
        // The shell's own words when an entrypoint script fails: "/bin/sh: 1: /bin/run.sh: Permission denied".
        m = ShellMessage().Match(message);
        return m.Success ? m.Groups["f"].Value : null;
    }

    /// <summary>The script whose #! line ends in a carriage return: "run.sh: /bin/sh^M: bad interpreter" names run.sh.</summary>
    public static string? CrlfScript(string? message) =>
        message is not null && CrlfInterpreter().Match(message) is { Success: true } m ? m.Groups["f"].Value : null;

    [GeneratedRegex(@"(?:^|\n)(?:/bin/|/usr/bin/)?(?:ba|da|a|z)?sh: (?:\d+: )?(?:line \d+: )?(?<f>/?[\w./-]+): (?:Permission denied|not found|No such file or directory)", RegexOptions.IgnoreCase)]
    private static partial Regex ShellMessage();

    [GeneratedRegex(@"(?<f>/?[\w./-]+): /\S+?(?:\^M|\r): bad interpreter")]
    private static partial Regex CrlfInterpreter();

    [GeneratedRegex(@"exec: ""([^""]+)"": executable file not found", RegexOptions.IgnoreCase)]
    private static partial Regex ExecNotFound();

    [GeneratedRegex(@"exec:? ""?([^"":\s]+)""?: (?:stat \S+: )?(no such file or directory|permission denied|not a directory|is a directory)", RegexOptions.IgnoreCase)]
    private static partial Regex ExecFile();
}
