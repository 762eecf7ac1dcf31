using System.CommandLine;
using Spectre.Console;
using Uip2p.Evaluation;
using Uip2p.Pipelines;

namespace Uip2p.Cli.Commands;

/// <summary>
/// <c>uip2p eval run</c>: edits an evaluation set as MagicBrush's inference script does (single-turn from each
/// ground-truth input; with --multi-turn also iterating on its own outputs), writes the generated layout,
/// resumes where it stopped, then scores. Several --steps values (and editors) make the step-count study.
/// </summary>
static class EvalRunCommand
{
    public static readonly string[] StudyMetrics = ["clip-i", "clip-t", "dino", "l1"];

    public static Command Create()
    {
        var model = new Option<string[]>("--model") { Description = "InstructPix2Pix diffusers folder(s) (unet/ with 8 input channels, or an editor/ UNet as the world's components and trained runs have).", Required = true, AllowMultipleArgumentsPerToken = true };
        var data = new Option<string>("--data") { Description = "MagicBrush's test folder (images/, edit_sessions.json, descriptions) or one of our datasets (records.jsonl with session/turn).", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: generated/ (MagicBrush's layout), metrics.json, pairs.csv; with several --steps or editors one <editor>/steps_<N>/ each, steps.csv and steps_*.png/svg.", Required = true };
        var multiTurn = new Option<bool>("--multi-turn") { Description = "Also edit each session iteratively from its own outputs (<id>_iter_<k>.png), for MagicBrush's final_turn setting." };
        var steps = new Option<int[]>("--steps") { Description = "Sampling steps; several values (e.g. --steps 5 10 20 50 100) run the step-count study.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [100] };
        var textGuidance = new Option<double>("--text-guidance") { Description = "s_T.", DefaultValueFactory = _ => 7.5 };
        var imageGuidance = new Option<double>("--image-guidance") { Description = "s_I.", DefaultValueFactory = _ => 1.5 };
        var seed = new Option<long>("--seed") { Description = "Seed of every edit (the inference script seeds each call the same way).", DefaultValueFactory = _ => 0 };
        var sampler = new Option<string>("--sampler") { Description = "euler_a (InstructPix2Pix's), ddim or ddpm.", DefaultValueFactory = _ => "euler_a" };
        var strength = new Option<double>("--strength") { Description = "1: from noise (InstructPix2Pix); below 1: SDEdit-style from the noised input.", DefaultValueFactory = _ => 1.0 };
        var resolution = new Option<int?>("--resolution") { Description = "Edit at about N×N pixels (aspect kept); default: the input size floored to the VAE's multiple." };
        var limit = new Option<int?>("--limit") { Description = "Only the first N sessions (sorted by id)." };
        var clip = EvalCommand.ClipOption();
        var dino = EvalCommand.DinoOption();
        var tokenizer = EvalCommand.TokenizerOption();
        var captions = EvalCommand.CaptionsOption();
        var command = new Command("run", "Edit an evaluation set as MagicBrush's inference script does, then score it (resumable); several --steps make the step-count study.")
        {
            model, data, output, multiTurn, steps, textGuidance, imageGuidance, seed, sampler, strength, resolution, limit, clip, dino, tokenizer, captions,
        };
        command.SetAction(result =>
        {
            string[] models = result.GetValue(model) ?? [];
            string dataDir = result.GetValue(data)!, outDir = result.GetValue(output)!, captionsValue = result.GetValue(captions)!;
            int[] stepList = result.GetValue(steps) ?? [100];
            double sT = result.GetValue(textGuidance), sI = result.GetValue(imageGuidance), str = result.GetValue(strength);
            string samplerName = result.GetValue(sampler)!;
            int? res = result.GetValue(resolution), lim = result.GetValue(limit);
            bool multi = result.GetValue(multiTurn);
            // Every option is checked before any model is built.
            if (models.Length == 0) throw new ArgumentException("--model: give at least one InstructPix2Pix folder.");
            if (stepList.Length == 0) throw new ArgumentException("--steps: give at least one value (1 to 1000).");
            foreach (int n in stepList) if (n is < 1 or > 1000) throw new ArgumentException($"--steps {n}: must be 1 to 1000.");
            if (stepList.Distinct().Count() != stepList.Length) throw new ArgumentException($"--steps {string.Join(" ", stepList)}: each value once.");
            EvalStudy.CheckEditOptions(sT, sI, str, samplerName, res, lim);
            EvalCommand.CheckCaptionsValue(captionsValue);
            foreach (string m in models) EvalCommand.CheckModelFolder("--model", m);
            if (!Directory.Exists(dataDir)) throw new DirectoryNotFoundException($"--data {dataDir}: no such folder.");
            var (clipDir, tok) = EvalStudy.ResolveClip(models[0], result.GetValue(clip), result.GetValue(tokenizer));
            string? dinoDir = result.GetValue(dino);
            EvalCommand.CheckModelFolder("--dino", dinoDir);
            EvalCommand.CheckOutput("--out", outDir);
            var sessions = EvalStudy.Read(dataDir, lim);
            var kind = EvalCommand.Captions(captionsValue, dataDir);

            GlobalOptions.Apply(result);
            var (clipModel, dinoModel) = EvalCommand.LoadModels(clipDir, dinoDir, tok);
            bool single = models.Length == 1 && stepList.Length == 1;
            var (points, csv) = EvalStudy.Run(models, dataDir, sessions, outDir, "steps", stepList.Select(n => (double)n).ToList(),
                n => new EditOptions { Steps = (int)n, TextGuidance = sT, ImageGuidance = sI, Seed = result.GetValue(seed), Sampler = samplerName, Strength = str },
                res, multi, clipModel, dinoModel, kind,
                (editor, n) => single ? outDir : models.Length == 1 ? Path.Combine(outDir, $"steps_{n}") : Path.Combine(outDir, editor, $"steps_{n}"));
            if (!single)
            {
                string path = Path.Combine(outDir, "steps.csv");
                AtomicFile.WriteAllText(path, csv);
                EvalCharts.SaveBoth(EvalCharts.Steps(points, "all_turn", StudyMetrics), Path.Combine(outDir, "steps"));
                AnsiConsole.MarkupLine($"step-count study → [green]{Markup.Escape(path)}[/], steps.png, steps.svg");
            }
            return 0;
        });
        return command;
    }
}
