using System.CommandLine;
using Spectre.Console;
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
            GlobalOptions.Apply(result);
            var table = new Table().AddColumn("what").AddColumn("value");
            foreach (var (name, value) in WorkbenchInfo.Current().Rows()) table.AddRow(Markup.Escape(name), Markup.Escape(value));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
