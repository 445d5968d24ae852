using Webhook.Cli;

namespace Webhook.Tests.Cli;

/// <summary>
/// The image starts the program without arguments, which runs serve without parsing a command line
/// (<see cref="CommandLine.RunAsync"/>): it must start the service exactly as "serve" with no options does, and a
/// failure must still be one line and exit code 1.
/// </summary>
public class DefaultServeTests
{
    [Fact]
    public async Task NoArgumentsRunServeAsTheServeVerbWithoutOptionsDoes()
    {
        var calls = new List<(string[] Args, Webhook.Replay.ReplayServer? Replay)>();
        ServeHandler serve = (args, replay) => { calls.Add((args, replay)); return Task.FromResult(7); };

        Assert.Equal(7, await CommandLine.RunAsync([], serve));
        Assert.Equal(7, await CommandLine.RunAsync(["serve"], serve));

        Assert.Equal(2, calls.Count);
        Assert.Equal(calls[1].Args, calls[0].Args);
        Assert.Empty(calls[0].Args);
        Assert.Null(calls[0].Replay);
    }

    [Fact]
    public async Task AFailureOfTheDefaultServeIsOneLineAndExitCode1()
    {
        var error = new StringWriter();
        var before = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(CommandLine.RuntimeError,
                await CommandLine.RunAsync([], (_, _) => throw new InvalidOperationException("the inbox folder is read-only")));
        }
        finally
        {
            Console.SetError(before);
        }

        // Other tests may write to the console meanwhile: only this failure's lines are looked at.
        var line = Assert.Single(error.ToString().Split('\n'), l => l.Contains("read-only"));
        Assert.Equal($"{CommandLine.ProgramName}: InvalidOperationException: the inbox folder is read-only", line.TrimEnd('\r'));
        Assert.DoesNotContain("   at Webhook", error.ToString());
    }
}
