using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Uip2p.Evaluation;
using Uip2p.Pipelines;

namespace Uip2p.Cli.Commands;

/// <summary>
/// <c>uip2p eval sweep</c>: InstructPix2Pix's Fig. 5 — every editor on the same records at each image guidance
/// (default 1.0…2.2 by 0.2) and one text guidance (7.5), single-turn; ClipSimilarity's direction against image
/// similarity per editor, as sweep.csv and sweep.png/svg.
/// </summary>
static class EvalSweepCommand
{
    public static Command Create()
    {
        var model = new Option<string[]>("--model") { Description = "One or more InstructPix2Pix folders (the editors to compare).", Required = true, AllowMultipleArgumentsPerToken = true };
        var data = new Option<string>("--data") { Description = "MagicBrush's test folder or one of our datasets (global captions needed for ClipSimilarity).", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: <editor>/ig_<s_I>/ (generated/, metrics.json, pairs.csv), sweep.csv, sweep.png, sweep.svg.", Required = true };
        var imageGuidance = new Option<double[]>("--image-guidance") { Description = "Image guidance values (default 1.0 1.2 … 2.2).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2] };
        var textGuidance = new Option<double>("--text-guidance") { Description = "s_T (IP2P's plot: 7.5).", DefaultValueFactory = _ => 7.5 };
        var steps = new Option<int>("--steps") { Description = "Sampling steps.", DefaultValueFactory = _ => 100 };
        var seed = new Option<long>("--seed") { Description = "Seed of every edit.", DefaultValueFactory = _ => 0 };
        var sampler = new Option<string>("--sampler") { Description = "euler_a, ddim or ddpm.", DefaultValueFactory = _ => "euler_a" };
        var strength = new Option<double>("--strength") { Description = "1: from noise; below 1: SDEdit-style.", DefaultValueFactory = _ => 1.0 };
        var resolution = new Option<int?>("--resolution") { Description = "Edit at about N×N pixels; default: the input size floored." };
        var limit = new Option<int?>("--limit") { Description = "Only the first N sessions." };
        var clip = EvalCommand.ClipOption();
        var tokenizer = EvalCommand.TokenizerOption();
        var command = new Command("sweep", "InstructPix2Pix's image-guidance sweep: CLIP direction vs image similarity per editor (CSV and figure).")
        {
            model, data, output, imageGuidance, textGuidance, steps, seed, sampler, strength, resolution, limit, clip, tokenizer,
        };
        command.SetAction(result =>
        {
            string[] models = result.GetValue(model) ?? [];
            string dataDir = result.GetValue(data)!, outDir = result.GetValue(output)!, samplerName = result.GetValue(sampler)!;
            double[] guidance = result.GetValue(imageGuidance) ?? [];
            double sT = result.GetValue(textGuidance), str = result.GetValue(strength);
            int n = result.GetValue(steps);
            int? res = result.GetValue(resolution), lim = result.GetValue(limit);
            if (models.Length == 0) throw new ArgumentException("--model: give at least one InstructPix2Pix folder.");
            if (guidance.Length == 0) throw new ArgumentException("--image-guidance: give at least one value (0 to 100).");
            if (guidance.Distinct().Count() != guidance.Length) throw new ArgumentException($"--image-guidance {string.Join(" ", guidance)}: each value once.");
            foreach (double g in guidance) EvalStudy.CheckEditOptions(sT, g, str, samplerName, res, lim);
            if (n is < 1 or > 1000) throw new ArgumentException($"--steps {n}: must be 1 to 1000.");
            foreach (string m in models) EvalCommand.CheckModelFolder("--model", m);
            if (!Directory.Exists(dataDir)) throw new DirectoryNotFoundException($"--data {dataDir}: no such folder.");
            var (clipDir, tok) = EvalStudy.ResolveClip(models[0], result.GetValue(clip), result.GetValue(tokenizer));
            if (clipDir == null) throw new ArgumentException("--clip: the sweep plots CLIP similarities; give a CLIP folder (the world's components carry one in clip/).");
            EvalCommand.CheckOutput("--out", outDir);
            var sessions = EvalStudy.Read(dataDir, lim);
            if (sessions.Global == null) throw new InvalidDataException($"--data {dataDir}: no global captions (global_descriptions.json or records' captions); ClipSimilarity needs them.");

            GlobalOptions.Apply(result);
            var (clipModel, _) = EvalCommand.LoadModels(clipDir, null, tok);
            var (points, csv) = EvalStudy.Run(models, dataDir, sessions, outDir, "image_guidance", guidance,
                g => new EditOptions { Steps = n, TextGuidance = sT, ImageGuidance = g, Seed = result.GetValue(seed), Sampler = samplerName, Strength = str },
                res, multiTurn: false, clipModel, null, CaptionKind.Global,
                (editor, g) => Path.Combine(outDir, editor, "ig_" + g.ToString("0.0##", CultureInfo.InvariantCulture)));
            AtomicFile.WriteAllText(Path.Combine(outDir, "sweep.csv"), csv);
            EvalCharts.SaveBoth(EvalCharts.Sweep(points, sT), Path.Combine(outDir, "sweep"));
            AnsiConsole.MarkupLine($"sweep → [green]{Markup.Escape(Path.Combine(outDir, "sweep.csv"))}[/], sweep.png, sweep.svg");
            return 0;
        });
        return command;
    }
}
