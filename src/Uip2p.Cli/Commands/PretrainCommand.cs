using System.CommandLine;
using Spectre.Console;
using Uip2p.IO;
using Uip2p.World.Pretraining;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p pretrain</c>: train the world's VAE, CLIP and text-to-image UNet from scratch (resumable).</summary>
static class PretrainCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder (diffusers layout + clip/); rerunning resumes from its checkpoints." };
        var editor = new Option<string[]>("--editor") { Description = "With --ship: also ship a trained editor as NAME=MODEL (a uip2p train run's model/ folder) under editors/NAME/ (its UNet in float16). Repeatable.", DefaultValueFactory = _ => [] };
        var measure = new Option<string?>("--measure") { Description = "Train nothing: measure this pretrained folder's quality bars (e.g. data/world) and write them into its quality.json." };
        var scale = new Option<double>("--steps-scale") { Description = "Multiply every stage's step count (e.g. 0.05 for a smoke run).", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { Description = "Seed of scenes, initialisation and batches.", DefaultValueFactory = _ => 1 };
        var ship = new Option<string?>("--ship") { Description = "Also write a float16 copy without checkpoints here, with its measured quality in quality.json (how data/world was made)." };
        var set = new Option<string[]>("--set") { Description = "Override a pretraining setting, key=value in snake_case (repeatable; see README), for example: --set vae_steps=2200 --set vae_max_objects=null", AllowMultipleArgumentsPerToken = false };
        var evaluate = new Option<bool>("--evaluate") { Description = "Measure the quality bars afterwards (PSNR, CLIP retrieval and probes, text-to-image).", DefaultValueFactory = _ => true };
        var command = new Command("pretrain", "Pretrain the embedded world's components (VAE, CLIP, text-to-image UNet, input-reconstruction editor) with the real classes and write them in the Hugging Face/diffusers layout.")
        {
            output, scale, seed, set, evaluate, ship, measure, editor,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(measure) is { } measured)
            {
                Check.ExistingFolder("--measure", measured);
                if (result.GetValue(output) is not null) throw new UsageException("--measure trains nothing: leave out --out.");
                GlobalOptions.Apply(result);
                var quality = WorldQuality.Evaluate(measured);
                AtomicFile.WriteAllText(Path.Combine(measured, "quality.json"), quality.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                AnsiConsole.MarkupLine($"{Markup.Escape(quality.ToString())}\nwrote [green]{Markup.Escape(Path.Combine(measured, "quality.json"))}[/]");
                return 0;
            }
            if (result.GetValue(output) is null) throw new UsageException("--out is required (or --measure FOLDER to measure a pretrained folder).");
            var editors = (result.GetValue(editor) ?? []).Select(e => Check.NameValue("--editor", e, "NAME=MODEL"))
                .Select(e => (e.Name, Model: Check.ExistingFolder("--editor", e.Value))).ToList();
            if (editors.Count > 0 && result.GetValue(ship) is null) throw new UsageException("--editor ships with the components: give --ship DIR too.");
            double s = Check.Range("--steps-scale", result.GetValue(scale), 0, 100, minExclusive: true);
            Check.OutputFolder("--out", result.GetValue(output)!);
            if (result.GetValue(ship) is { } shipTo) Check.OutputFolder("--ship", shipTo);
            GlobalOptions.Apply(result);
            var d = new PretrainConfig();
            var config = (d with
            {
                Seed = result.GetValue(seed),
                VaeSteps = Math.Max(1, (int)(d.VaeSteps * s)), ClipSteps = Math.Max(1, (int)(d.ClipSteps * s)), UnetSteps = Math.Max(1, (int)(d.UnetSteps * s)), EditorSteps = Math.Max(1, (int)(d.EditorSteps * s)),
                Scenes = s < 0.5 ? 600 : d.Scenes,
            }).With(result.GetValue(set) ?? []);
            string folder = result.GetValue(output)!;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    new WorldPretraining(config, folder, (stage, step, total, info) =>
                    {
                        if (!tasks.TryGetValue(stage, out var task)) tasks[stage] = task = ctx.AddTask(stage, maxValue: total);
                        task.Value = step;
                        task.Description = $"{stage} {Markup.Escape(info)}";
                    }).Run();
                });
            AnsiConsole.MarkupLine($"pretrained in {sw.Elapsed.TotalMinutes:F1} min → [green]{Markup.Escape(folder)}[/]");
            if (result.GetValue(evaluate))
                AnsiConsole.WriteLine(WorldQuality.Evaluate(folder).ToString());
            if (result.GetValue(ship) is { } target)
                AnsiConsole.MarkupLine($"shipped (float16) → [green]{Markup.Escape(target)}[/]: {Markup.Escape(WorldShipping.Ship(folder, target, editors).ToString())}");
            return 0;
        });
        return command;
    }
}
