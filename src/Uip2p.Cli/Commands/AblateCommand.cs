using System.CommandLine;
using Spectre.Console;
using Uip2p.Experiments;

namespace Uip2p.Cli.Commands;

/// <summary>
/// <c>uip2p ablate</c>: trains every variant × seed of a base config, scores each on the same held-out world edits beside the
/// identity reference, and writes one table and figures. The work is <see cref="Ablation"/>'s; this verb parses, checks
/// every option and every run's config before anything is trained, and draws progress.
/// </summary>
static class AblateCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Base training config (JSON, as uip2p train --config).", Required = true };
        var output = new Option<string>("--out") { Description = "Ablation folder: ablation.json, runs/<variant>_seed<k>/, heldout/, results.csv, summary.csv, summary.md, <metric>.png/svg.", Required = true };
        var vary = new Option<string[]>("--vary") { Description = "A setting and its values, key=v1,v2,… (repeatable: the cartesian product of all --vary).", AllowMultipleArgumentsPerToken = false };
        var variant = new Option<string[]>("--variant") { Description = "A named variant, \"NAME: key=value key=value\" (repeatable; not crossed with other --variant, crossed with the --vary grid).", AllowMultipleArgumentsPerToken = false };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per variant: 0 to N−1 (overrides the config's seed).", DefaultValueFactory = _ => 1 };
        var set = new Option<string[]>("--set") { Description = "Override a config key for every run: --set steps=100 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var d = new AblationEvalSettings();
        var heldOut = new Option<int>("--held-out") { Description = "Held-out world edits every run is scored on.", DefaultValueFactory = _ => d.HeldOut };
        var heldOutSeed = new Option<int>("--held-out-seed") { Description = "World seed of the held-out edits (not the training data's).", DefaultValueFactory = _ => d.HeldOutSeed };
        var editSteps = new Option<int>("--edit-steps") { Description = "Sampling steps of the held-out edits.", DefaultValueFactory = _ => d.Steps };
        var sampler = new Option<string>("--sampler") { Description = "Sampler of the held-out edits: ddim, euler_a or ddpm.", DefaultValueFactory = _ => d.Sampler };
        var textGuidance = new Option<double>("--text-guidance") { Description = "s_T of the held-out edits.", DefaultValueFactory = _ => d.TextGuidance };
        var imageGuidance = new Option<double>("--image-guidance") { Description = "s_I of the held-out edits.", DefaultValueFactory = _ => d.ImageGuidance };
        var strength = new Option<double>("--strength") { Description = "Held-out edits start from the input noised this far (1: pure noise).", DefaultValueFactory = _ => d.Strength };
        var editSeed = new Option<long>("--edit-seed") { Description = "Seed of the held-out edits' noise.", DefaultValueFactory = _ => d.Seed };
        var clip = new Option<string?>("--clip") { Description = "CLIP folder for the CLIP scores (default: the components' clip/)." };
        var command = new Command("ablate", "Train every variant × seed of a config, score each on the same held-out world edits beside the identity reference, and write one table (CSV, Markdown) and figures (resumable).")
        {
            config, output, vary, variant, seeds, set, heldOut, heldOutSeed, editSteps, sampler, textGuidance, imageGuidance, strength, editSeed, clip,
        };
        command.SetAction(result =>
        {
            GlobalOptions.Validate(result);
            string path = Check.ExistingFile("--config", result.GetValue(config)!);
            string folder = Check.OutputFolder("--out", result.GetValue(output)!);
            Check.Range("--seeds", result.GetValue(seeds), 1, 1000);
            if (result.GetValue(clip) is { } c) Check.ExistingFolder("--clip", c);
            var plan = new AblationPlan
            {
                Config = path, Set = result.GetValue(set) ?? [], Vary = result.GetValue(vary) ?? [], Variants = result.GetValue(variant) ?? [], Seeds = result.GetValue(seeds),
                Evaluation = new AblationEvalSettings
                {
                    HeldOut = result.GetValue(heldOut), HeldOutSeed = result.GetValue(heldOutSeed), Steps = result.GetValue(editSteps), Sampler = result.GetValue(sampler)!,
                    TextGuidance = result.GetValue(textGuidance), ImageGuidance = result.GetValue(imageGuidance), Strength = result.GetValue(strength),
                    Seed = result.GetValue(editSeed), Clip = result.GetValue(clip),
                },
            };
            var ablation = new Ablation(plan, folder)
            {
                Log = m => AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(m)}"),
                RunTrainer = (trainer, run, resume, stop) => TrainCommand.RunWithProgress(trainer, resume, run.Label, stop),
                RunEvaluation = (label, total, work) => AnsiConsole.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"scoring {label}", maxValue: total);
                        work((done, _) => task.Value = done);
                    }),
            };
            // Every run's settings and the plan already in --out are checked before TorchSharp is even loaded.
            var (runs, _) = ablation.Check();
            GlobalOptions.Apply(result);
            AnsiConsole.MarkupLine($"[bold]ablation[/] of {Markup.Escape(path)}: {runs.Count} runs → [green]{Markup.Escape(folder)}[/]");
            using var interrupt = new Interruption("interrupt: finishing the current training step (checkpointed) or scoring batch, then stopping; rerun the same command to continue (Ctrl-C again stops at once)");
            var report = ablation.Run(interrupt.Token);
            var counts = string.Join(", ", Enum.GetValues<AblationAction>().Select(a => $"{a.ToString().ToLowerInvariant()} {report.Runs.Values.Count(v => v == a)}"));
            if (report.Interrupted)
            {
                AnsiConsole.MarkupLine($"interrupted during {Markup.Escape(report.InterruptedAt!)} ({counts}): finished runs and checkpoints are kept; rerun the same command to continue.");
                return 130;
            }
            var results = report.Results!;
            var table = new Table().AddColumns("variant", "runs", "judge success", "L1 in mask", "L1 outside", "CLIP-I", "CLIP direction");
            foreach (var row in results.Summary)
            {
                string Cell(string key, string format) => row.Metrics[key] is { } s && double.IsFinite(s.Mean)
                    ? s.Mean.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + (double.IsFinite(s.StandardError) ? " ± " + s.StandardError.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "")
                    : "–";
                table.AddRow(Markup.Escape(row.Variant), row.Runs.ToString(System.Globalization.CultureInfo.InvariantCulture), Cell("judge_success", "P0"), Cell("l1_in_mask", "F3"),
                    Cell("l1_outside_mask", "F3"), Cell("clip_i", "F3"), Cell("clip_direction", "F3"));
            }
            table.Caption($"{results.HeldOut} held-out edits; mean ± standard error over seeds (over edits for a single run); all metrics in summary.csv");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"runs: {counts}; scored {report.Evaluated}; {report.Elapsed.TotalMinutes:F1} min → [green]{Markup.Escape(Path.GetFullPath(folder))}[/] (results.csv, summary.csv, summary.md, figures)");
            return 0;
        });
        return command;
    }
}
