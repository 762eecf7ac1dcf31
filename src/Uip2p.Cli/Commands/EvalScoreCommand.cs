using System.CommandLine;
using Uip2p.Evaluation;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p eval score</c>: scores a generated folder against MagicBrush's ground truth (or our dataset) and writes metrics.json + pairs.csv.</summary>
static class EvalScoreCommand
{
    public static Command Create()
    {
        var generated = new Option<string>("--generated") { Description = "Generated images in MagicBrush's layout: <id>/<id>_1.png, <id>_inde_<k>.png, <id>_iter_<k>.png.", Required = true };
        var truth = new Option<string>("--ground-truth") { Description = "MagicBrush's test folder (images/<id>/…, local_/global_descriptions.json) or its images/ folder, or one of our datasets (records.jsonl).", Required = true };
        var captions = EvalCommand.CaptionsOption();
        var clip = EvalCommand.ClipOption();
        var dino = EvalCommand.DinoOption();
        var tokenizer = EvalCommand.TokenizerOption();
        var output = new Option<string?>("--out") { Description = "Folder for metrics.json and pairs.csv (default: the --generated folder)." };
        var command = new Command("score", "Print MagicBrush's evaluated_metrics_dict (final_turn = multi-turn, all_turn = single-turn) and ClipSimilarity; write metrics.json and pairs.csv.")
        {
            generated, truth, captions, clip, dino, tokenizer, output,
        };
        command.SetAction(result =>
        {
            string gen = result.GetValue(generated)!, gt = result.GetValue(truth)!, captionsValue = result.GetValue(captions)!;
            string? clipDir = result.GetValue(clip), dinoDir = result.GetValue(dino), tok = result.GetValue(tokenizer);
            string outDir = result.GetValue(output) ?? gen;
            // Everything a user can get wrong is checked before a model is built or an image read.
            EvalCommand.CheckCaptionsValue(captionsValue);
            if (!Directory.Exists(gen)) throw new DirectoryNotFoundException($"--generated {gen}: no such folder.");
            if (!Directory.Exists(gt)) throw new DirectoryNotFoundException($"--ground-truth {gt}: no such folder.");
            EvalCommand.CheckModelFolder("--clip", clipDir);
            EvalCommand.CheckModelFolder("--dino", dinoDir);
            if (tok != null && !Directory.Exists(tok) && !File.Exists(tok)) throw new FileNotFoundException($"--tokenizer {tok}: no such folder or file.");
            EvalCommand.CheckOutput("--out", outDir);
            var set = EvalCommand.ReadSet(gen, gt);
            var kind = EvalCommand.Captions(captionsValue, gt);
            if (clipDir != null) set.Captions(kind); // a missing caption file is named before the models load
            GlobalOptions.Apply(result);
            var (clipModel, dinoModel) = EvalCommand.LoadModels(clipDir, dinoDir, tok);
            EvalCommand.ScoreAndWrite(set, clipModel, dinoModel, kind, outDir, new Dictionary<string, string> { ["command"] = "eval score" });
            return 0;
        });
        return command;
    }
}
