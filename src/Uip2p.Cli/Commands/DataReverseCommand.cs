using System.CommandLine;
using Spectre.Console;
using Uip2p.Data.Generation;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p data reverse</c>: reverse instructions for records with input caption, instruction and edited caption.</summary>
static class DataReverseCommand
{
    public static readonly string[] Methods = ["llm", "rules"];

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder (records.jsonl); records lacking a reverse instruction get one.", Required = true };
        var method = new Option<string>("--method") { Description = "llm (an OpenAI-compatible endpoint) or rules (offline: add/remove, swaps, colours, moves, global style; marks what it cannot invert).", DefaultValueFactory = _ => "llm" };
        var llm = new LlmOptions();
        var command = new Command("reverse", "Generate reverse instructions (the one text UIP2P generates for the InstructPix2Pix dataset) and merge them into records.jsonl.") { data, method };
        foreach (var o in llm.All) command.Options.Add(o);
        command.SetAction(async (result, cancel) =>
        {
            string how = OptionChecks.Choice("--method", result.GetValue(method)!, Methods);
            var job = new DatasetGeneration(OptionChecks.Folder("--data", result.GetValue(data)!), GenerationTask.Reverse);
            if (how == "llm") return await GenerationRun.RunLlm(result, llm, job, null, cancel);
            var coverage = job.RunRules(job.DoneIds());
            long inverted = coverage.Values.Sum(c => c.Inverted), total = inverted + coverage.Values.Sum(c => c.NotInverted);
            AnsiConsole.MarkupLine($"rules inverted {inverted} of {total} ({(total > 0 ? 100.0 * inverted / total : 0):F1} %): " +
                                   string.Join(", ", coverage.OrderByDescending(kv => kv.Value.Inverted + kv.Value.NotInverted).Select(kv => $"{kv.Key} {kv.Value.Inverted}/{kv.Value.Inverted + kv.Value.NotInverted}")));
            GenerationRun.PrintMerge(job.Merge());
            return 0;
        });
        return command;
    }
}
