using System.CommandLine;
using Uip2p.Cli;
using Uip2p.Cli.Commands;

// uip2p: the workbench's command line. Each verb lives in Commands/ and calls the library.
var root = new RootCommand("uip2p — UIP2P research workbench: instruction-based image editing trained with Cycle Edit Consistency.");
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
root.Subcommands.Add(DataCommand.Create());
// Our handler turns user errors into one line; System.CommandLine's would print a stack trace.
return CliErrors.Run(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
