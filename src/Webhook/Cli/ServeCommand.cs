using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Webhook.Cli;

/// <summary>
/// <c>serve</c> (the default): the service. It takes <c>--urls</c> and configuration keys as
/// <c>--Section:Key=value</c> (the same keys as appsettings.json and the environment); anything else is a mistake.
/// </summary>
public static partial class ServeCommand
{
    static readonly Option<string?> Urls = new("--urls")
    {
        Description = "Addresses to listen on, ';'-separated (default: ASPNETCORE_URLS, else http://localhost:5000).",
        HelpName = "URLS",
    };

    public static Command Create(ServeHandler? serve)
    {
        var command = new Command("serve",
            "Run the service (the default command): Alertmanager posts to /alerts, diagnoses go to the configured " +
            "destinations. Configuration keys can be given as --Section:Key=value. Stops on Ctrl+C or SIGTERM.\n\n" +
            "Example:\n" +
            $"  {CommandLine.ProgramName} serve --urls http://0.0.0.0:8080 --Auth:BearerToken=s3cret");
        Configure(command, serve);
        return command;
    }

    /// <summary>Gives a command serve's options and action (the root runs the service too).</summary>
    public static void Configure(Command command, ServeHandler? serve)
    {
        AddOptions(command);
        command.SetAction(result => serve is null ? Task.FromResult(0) : serve(ConfigurationArgs(result), null));
    }

    public static void AddOptions(Command command)
    {
        command.Options.Add(Urls);
        // Configuration keys (--Auth:BearerToken=...) pass through to the host; UnknownToken rejects the rest.
        command.TreatUnmatchedTokensAsErrors = false;
    }

    /// <summary>What the host's configuration gets: --urls and the --Section:Key=value arguments.</summary>
    public static string[] ConfigurationArgs(ParseResult result) =>
        [.. result.GetValue(Urls) is { } urls ? new[] { "--urls", urls } : [], .. result.UnmatchedTokens.Where(IsConfigurationKey)];

    /// <summary>
    /// The first argument nobody takes, or null: of serve and demo, one that is not a configuration key; of the other
    /// commands, any (System.CommandLine reports unmatched tokens only when the root does, and the root is serve),
    /// including an unknown option that it took for an argument's value ("diagnose --bogus BUNDLE").
    /// </summary>
    public static string? UnknownToken(ParseResult result)
    {
        if (result.CommandResult.Command.Options.Contains(Urls))
            return result.UnmatchedTokens.FirstOrDefault(t => !IsConfigurationKey(t));
        return result.Tokens.FirstOrDefault(t => t.Type == TokenType.Argument && t.Value.Length > 1 && t.Value[0] == '-' && !char.IsDigit(t.Value[1]))?.Value
            ?? result.UnmatchedTokens.FirstOrDefault();
    }

    /// <summary>
    /// --Section:Key=value, as the host's command-line configuration takes it (WebApplicationFactory passes its
    /// settings this way too, sections included: --Pipeline=). An option without "=" is not configuration.
    /// </summary>
    static bool IsConfigurationKey(string token) => ConfigurationKey().IsMatch(token);

    [GeneratedRegex(@"^--[A-Za-z_][\w.-]*(:[\w.{}-]+)*=", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigurationKey();
}
