using System.CommandLine;
using Spectre.Console;
using Uip2p.Objectives;
using Uip2p.Training;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p train</c>: CEC (UIP2P) or supervised InstructPix2Pix training from a JSON config.</summary>
static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Training config (JSON, snake_case keys; see README 'Training').", Required = true };
        var output = new Option<string?>("--out") { Description = "Run folder (checkpoints/, metrics.jsonl, tensorboard/, samples/, model/). Default: runs/<config name>." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint (bit-exact on CPU)." };
        var set = new Option<string[]>("--set") { Description = "Override a config key: --set steps=100 --set cec.weights.attention=0 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var command = new Command("train", "Train an editing UNet with Cycle Edit Consistency (method cec) or the supervised InstructPix2Pix objective (method supervised).")
        {
            config, output, resume, set,
        };
        command.SetAction(result =>
        {
            string path = Check.ExistingFile("--config", result.GetValue(config)!);
            var cfg = TrainConfig.Load(path, result.GetValue(set) ?? []);
            Check.ExistingFolder("components", cfg.Components);
            Check.ExistingFolder("data", cfg.Data);
            string folder = Check.OutputFolder("--out", result.GetValue(output) ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(path)));
            GlobalOptions.Apply(result);
            AnsiConsole.MarkupLine($"[bold]{cfg.Method.ToString().ToLowerInvariant()}[/] training, {cfg.Steps} steps of {cfg.BatchSize}×{cfg.GradientAccumulation} → [green]{Markup.Escape(folder)}[/]");
            var done = Run(new Trainer(cfg, folder), result.GetValue(resume));
            if (done.Interrupted)
            {
                AnsiConsole.MarkupLine($"interrupted after step {done.Steps} of {cfg.Steps}: checkpoint written; continue with [bold]uip2p train --config {Markup.Escape(path)} --out {Markup.Escape(folder)} --resume[/]");
                return 130;
            }
            AnsiConsole.MarkupLine($"done in {done.Elapsed.TotalMinutes:F1} min; model → [green]{Markup.Escape(done.ModelFolder)}[/]" +
                (done.BestValidation is { } b ? $"; best validation {done.ValidationLoss} {b:F4} ({Markup.Escape(done.BestCheckpoint ?? "")})" : ""));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Runs a trainer under a progress bar (step, loss terms, ETA); events (validation, resume) are printed above it.
    /// The first Ctrl-C lets the step in progress finish and checkpoints it; a second one stops the process at once.
    /// </summary>
    public static TrainResult Run(Trainer trainer, bool resume, string label = "train")
    {
        using var interrupt = new Interruption("interrupt: finishing the current step and writing a checkpoint (Ctrl-C again stops at once, losing the steps since the last checkpoint)");
        return RunWithProgress(trainer, resume, label, interrupt.Token);
    }

    /// <summary>Runs a trainer under the progress bar; <paramref name="stop"/> checkpoints and returns early (the caller handles Ctrl-C).</summary>
    public static TrainResult RunWithProgress(Trainer trainer, bool resume, string label, CancellationToken stop)
    {
        TrainResult done = null!;
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: trainer.Config.Steps);
                trainer.Progress = p =>
                {
                    task.Value = p.Step;
                    string terms = string.Join(" ", p.Values.Where(kv => kv.Key.StartsWith(LossNames.Prefix, StringComparison.Ordinal)).Select(kv => $"{kv.Key[LossNames.Prefix.Length..]} {kv.Value:F3}"));
                    task.Description = $"{label} {p.Step}/{p.Steps} {terms}";
                    if (p.Event != null) AnsiConsole.MarkupLine($"  step {p.Step}: {Markup.Escape(p.Event)}");
                };
                done = trainer.Run(resume, stop);
            });
        return done;
    }
}
