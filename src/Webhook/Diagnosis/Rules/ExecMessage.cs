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
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"exec: ""([^""]+)"": executable file not found", RegexOptions.IgnoreCase)]
    private static partial Regex ExecNotFound();

    [GeneratedRegex(@"exec:? ""?([^"":\s]+)""?: (?:stat \S+: )?(no such file or directory|permission denied|not a directory|is a directory)", RegexOptions.IgnoreCase)]
    private static partial Regex ExecFile();
}
