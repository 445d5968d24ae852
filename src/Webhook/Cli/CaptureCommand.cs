using System.CommandLine;

namespace Webhook.Cli;

// Placeholder until the enrichment issue fills it in.
public static class CaptureCommand
{
    public static Command Create()
    {
        var command = new Command("capture", "Write a diagnosis bundle of a live pod.");
        command.SetAction(_ => { Console.Error.WriteLine("capture: not implemented yet"); return 2; });
        return command;
    }
}
