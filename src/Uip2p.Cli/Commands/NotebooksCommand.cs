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
            Description = "NAME=VALUE environment variables for the kernel, e.g. UIP2P_CI=1 to run the training cells of 01-cec-training for a few steps only.",
            AllowMultipleArgumentsPerToken = false,
        };

        var run = new Command("run", "Run notebooks in the dotnet-interactive kernel (via Debian's nbclient); fails on the first cell error, naming notebook, cell and error; keeps executed copies.")
        {
            paths, output, timeout, parameters,
        };
        run.SetAction(result =>
        {
            int seconds = Check.Range("--cell-timeout", result.GetValue(timeout), 1, 86_400);
            string[] targets = result.GetValue(paths) is { Length: > 0 } given ? given : [Path.Combine(RepositoryRoot.Find(), "notebooks")];
            foreach (string t in targets) CheckNotebook(t);
            if (result.GetValue(output) is { } o) Check.OutputFolder("--output", o);
            var executor = new NotebookExecutor(result.GetValue(output))
            {
                CellTimeout = TimeSpan.FromSeconds(seconds),
                Progress = line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"),
            };
            foreach (string p in result.GetValue(parameters) ?? [])
            {
                int eq = p.IndexOf('=');
                if (eq <= 0) throw new UsageException($"--param '{p}': expected NAME=VALUE (e.g. UIP2P_CI=1).");
                executor.Environment[p[..eq]] = p[(eq + 1)..];
            }
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

    /// <summary>A folder of notebooks, or a file that is a Jupyter notebook (JSON with a "cells" list) — checked before the kernel starts.</summary>
    static void CheckNotebook(string path)
    {
        if (Directory.Exists(path))
        {
            if (Directory.GetFiles(path, "*.ipynb").Length == 0) throw new UsageException($"{path}: the folder holds no .ipynb notebooks.");
            return;
        }
        if (!File.Exists(path)) throw new UsageException($"{path}: no such notebook or folder.");
        if (!path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)) throw new UsageException($"{path}: not a notebook (expected a .ipynb file or a folder of them).");
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object || !doc.RootElement.TryGetProperty("cells", out var cells) || cells.ValueKind != System.Text.Json.JsonValueKind.Array)
                throw new UsageException($"{path}: not a Jupyter notebook (no \"cells\" list).");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UsageException($"{path}: not a Jupyter notebook (invalid JSON at line {e.LineNumber + 1}).");
        }
    }
}
