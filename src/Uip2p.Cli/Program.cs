using System.CommandLine;
using System.CommandLine.Help;
using Spectre.Console;
using Uip2p.Cli;
using Uip2p.Cli.Commands;

// uip2p: the workbench's command line. Each verb lives in Commands/ and calls the library.
// Piped or redirected output is not wrapped at 80 columns: logs and grep see whole lines.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 4096;

// A plain Command named uip2p, not RootCommand: RootCommand takes its name from the host's argv[0], which is
// "Uip2p.Cli" under `dotnet Uip2p.Cli.dll`, and help usage lines would say so.
var root = new Command("uip2p", "uip2p — UIP2P research workbench: instruction-based image editing trained with Cycle Edit Consistency.");
root.Options.Add(new HelpOption());
root.Options.Add(new VersionOption());
root.Options.Add(GlobalOptions.Device);
root.Options.Add(GlobalOptions.Threads);
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(NotebooksCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(ClipScoreCommand.Create());
root.Subcommands.Add(EditCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(WorldCommand.Create());
root.Subcommands.Add(PretrainCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(AblateCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(DataCommand.Create());
// Our handlers turn user errors into one line; System.CommandLine's would print a stack trace or .NET type names.
return CliErrors.Run(() =>
{
    var parsed = root.Parse(args);
    return parsed.Errors.Count > 0 ? CliErrors.ReportParseErrors(parsed) : parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
});
