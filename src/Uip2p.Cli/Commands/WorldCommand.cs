using System.CommandLine;
using Spectre.Console;
using Uip2p.World;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p world</c>: export the embedded shapes world as a dataset folder.</summary>
static class WorldCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Dataset folder to write (records.jsonl + images/).", Required = true };
        var count = new Option<int>("--count") { Description = "Single-turn edits to generate.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Generator seed (the same seed writes the same files).", DefaultValueFactory = _ => 0 };
        var biased = new Option<double>("--biased") { Description = "Probability of each Prompt-to-Prompt-like bias in the ground truth (background shift, another object's colour, global tint); the clean ground truth is kept too.", DefaultValueFactory = _ => 0 };
        var sessions = new Option<int>("--sessions") { Description = "Multi-turn sessions (2–3 chained edits with every intermediate ground truth) to add.", DefaultValueFactory = _ => 0 };
        var size = new Option<int>("--size") { Description = "Image side in pixels.", DefaultValueFactory = _ => 64 };
        var command = new Command("world", "Generate the procedural shapes world: scenes, captions, five kinds of edits with reverse instructions, ground truth and edit masks.")
        {
            output, count, seed, biased, sessions, size,
        };
        command.SetAction(result =>
        {
            double p = Check.Range("--biased", result.GetValue(biased), 0, 1);
            int n = Check.Range("--count", result.GetValue(count), 1, 10_000_000);
            int s = Check.Range("--sessions", result.GetValue(sessions), 0, 10_000_000);
            Check.Range("--size", result.GetValue(size), 16, 1024);
            string folder = Check.OutputFolder("--out", result.GetValue(output)!);
            GlobalOptions.Apply(result);
            Uip2p.Data.EditDataset dataset = null!;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("rendering", maxValue: n + s);
                    dataset = WorldDataset.Write(folder, n, result.GetValue(seed), p > 0 ? BiasOptions.Uniform(p) : null, s, result.GetValue(size),
                        (done, _) => task.Value = done);
                });
            AnsiConsole.MarkupLine($"wrote {n + s} items to [green]{Markup.Escape(dataset.RecordsPath)}[/]");
            return 0;
        });
        return command;
    }
}
