using System.CommandLine;
using Spectre.Console;
using Uip2p.Notebooks;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p notebooks run [PATH...]</c>: executes notebooks headlessly in the real .NET Interactive kernel.</summary>
static class NotebooksCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("path")
        {
            Description = "Notebooks or folders of notebooks (default: the repository's notebooks/).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var output = new Option<string?>("--output") { Description = "Folder for the executed copies (default: artifacts/notebooks)." };
        var timeout = new Option<int>("--cell-timeout") { Description = "Seconds one cell may run.", DefaultValueFactory = _ => 1200 };
        var parameters = new Option<string[]>("--param")
        {
            Description = "NAME=VALUE environment variables for the kernel, e.g. UIP2P_NOTEBOOK_STEPS=5 to keep a training notebook short.",
            AllowMultipleArgumentsPerToken = false,
        };

        var run = new Command("run", "Run notebooks in the dotnet-interactive kernel (via Debian's nbclient); fails on the first cell error, naming notebook, cell and error; keeps executed copies.")
        {
            paths, output, timeout, parameters,
        };
        run.SetAction(result =>
        {
            var executor = new NotebookExecutor(result.GetValue(output))
            {
                CellTimeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                Progress = line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"),
            };
            foreach (string p in result.GetValue(parameters) ?? [])
            {
                int eq = p.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"--param '{p}': expected NAME=VALUE.");
                executor.Environment[p[..eq]] = p[(eq + 1)..];
            }
            string[] targets = result.GetValue(paths) is { Length: > 0 } given ? given : [Path.Combine(RepositoryRoot.Find(), "notebooks")];
            var results = executor.RunAll(targets);
            foreach (var r in results)
                AnsiConsole.MarkupLine(r.Succeeded ? $"[green]{Markup.Escape(r.ToString())}[/]" : $"[red]{Markup.Escape(r.ToString())}[/]");
            AnsiConsole.MarkupLine($"executed copies: {Markup.Escape(executor.OutputDirectory)}");
            int failed = results.Count(r => !r.Succeeded);
            AnsiConsole.MarkupLine($"{results.Count - failed} passed, {failed} failed");
            return failed == 0 ? 0 : 1;
        });

        var command = new Command("notebooks", "Notebook tools.");
        command.Subcommands.Add(run);
        return command;
    }
}
