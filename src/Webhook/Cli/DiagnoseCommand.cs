using System.CommandLine;

namespace Webhook.Cli;

// Placeholder until the classifier issue fills it in.
public static class DiagnoseCommand
{
    public static Command Create()
    {
        var command = new Command("diagnose", "Diagnose a captured bundle folder.");
        command.SetAction(_ => { Console.Error.WriteLine("diagnose: not implemented yet"); return 2; });
        return command;
    }
}
