using System.CommandLine;
using Uip2p.Notebooks;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p info</c>: versions, device, threads and where the natives were loaded from.</summary>
static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print the library, TorchSharp and LibTorch versions, the device chosen, the thread count and where TorchSharp's natives were loaded from.");
        command.SetAction(result =>
        {
            GlobalOptions.Apply(result);   // validates --device and --threads first
            // Plain aligned lines: readable, and never wrapped when piped into grep or a log.
            foreach (var (name, value) in WorkbenchInfo.Current().Rows()) Console.WriteLine($"{name,-20} {value}");
            return 0;
        });
        return command;
    }
}
