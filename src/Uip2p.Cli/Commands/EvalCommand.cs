using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Uip2p.Evaluation;
using Uip2p.Runtime;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p eval</c>: MagicBrush's and InstructPix2Pix's evaluation (score, run, sweep); shared option checks and output here.</summary>
static class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Evaluate editors as MagicBrush's image_eval.py and instruct-pix2pix's ClipSimilarity compute it, or on held-out world edits with the judge (world).");
        command.Subcommands.Add(EvalScoreCommand.Create());
        command.Subcommands.Add(EvalRunCommand.Create());
        command.Subcommands.Add(EvalSweepCommand.Create());
        command.Subcommands.Add(EvalWorldCommand.Create());
        return command;
    }

    public static Option<string?> ClipOption() => new("--clip") { Description = "CLIP for CLIP-I, CLIP-T and ClipSimilarity: a transformers CLIPModel folder (ViT-B/32 in MagicBrush) or an openai state dict folder (config.json with constructor_args + weights.safetensors). Without it those metrics are reported missing." };
    public static Option<string?> DinoOption() => new("--dino") { Description = "DINO ViT for the DINO metric: transformers ViTModel folder (facebook/dino-vits16) or DINO naming. Without it DINO is reported missing." };
    public static Option<string?> TokenizerOption() => new("--tokenizer") { Description = "CLIP tokenizer folder (vocab.json + merges.txt) or bpe_simple_vocab_16e6.txt.gz; default: the --clip folder or its tokenizer/." };
    public static Option<string> CaptionsOption() => new("--captions") { Description = "Captions for CLIP-T: local (MagicBrush's local_descriptions.json, the paper's numbers), global, or auto (local when present, else global).", DefaultValueFactory = _ => "auto" };

    /// <summary>Parses --captions; the ground truth decides "auto".</summary>
    public static CaptionKind Captions(string value, string groundTruth) => value switch
    {
        "local" => CaptionKind.Local,
        "global" => CaptionKind.Global,
        "auto" => !DatasetLayout.IsDataset(groundTruth) && File.Exists(Path.Combine(MagicBrushLayout.GroundTruthFolders(groundTruth).Json, "local_descriptions.json")) ? CaptionKind.Local : CaptionKind.Global,
        _ => throw new ArgumentException($"--captions {value}: expected local, global or auto."),
    };

    public static void CheckCaptionsValue(string value)
    {
        if (value is not ("local" or "global" or "auto")) throw new ArgumentException($"--captions {value}: expected local, global or auto.");
    }

    /// <summary>A model folder option: it must exist and hold a config.json (checked before anything is built).</summary>
    public static void CheckModelFolder(string option, string? dir)
    {
        if (dir == null) return;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{option} {dir}: no such folder.");
        if (!File.Exists(Path.Combine(dir, "config.json")) && !File.Exists(Path.Combine(dir, "model_index.json")))
            throw new FileNotFoundException($"{option} {dir}: no config.json (or model_index.json) in the folder; expected a model folder.");
    }

    /// <summary>Creates the output folder and proves it is writable before any work.</summary>
    public static void CheckOutput(string option, string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, $".uip2p-write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {dir}: cannot write there ({e.Message}).", e);
        }
    }

    /// <summary>Reads the ground truth as MagicBrush's folders, or as our dataset when it holds records.jsonl.</summary>
    public static EvalSet ReadSet(string generated, string groundTruth) =>
        DatasetLayout.IsDataset(groundTruth) ? DatasetLayout.Read(generated, groundTruth) : MagicBrushLayout.Read(generated, groundTruth);

    /// <summary>Loads the evaluator models that were given.</summary>
    public static (EvalClip? Clip, EvalDino? Dino) LoadModels(string? clip, string? dino, string? tokenizer)
    {
        var device = Devices.Default;
        return (clip == null ? null : EvalClip.Load(clip, tokenizer, device), dino == null ? null : EvalDino.Load(dino, device));
    }

    /// <summary>Scores with a progress bar, writes metrics.json + pairs.csv, prints the dict; returns the report.</summary>
    public static EvalReport ScoreAndWrite(EvalSet set, EvalClip? clip, EvalDino? dino, CaptionKind captions, string outDir, IDictionary<string, string> provenance, string label = "scoring")
    {
        EvalReport report = null!;
        AnsiConsole.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: Math.Max(1, set.AllTurn.Count + set.FinalTurn.Count));
                report = MagicBrushEvaluator.Score(set, clip, dino, captions, (done, _) => task.Value = done);
            });
        foreach (var (k, v) in provenance) report.Provenance[k] = v;
        report.Provenance["clip"] = clip?.Source ?? "(none)";
        report.Provenance["dino"] = dino?.Source ?? "(none)";
        var (json, csv) = report.Write(outDir);
        Print(report);
        AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(json)}[/] and [green]{Markup.Escape(csv)}[/]");
        return report;
    }

    /// <summary>MagicBrush's evaluated_metrics_dict (as JSON), the pair counts, ClipSimilarity means and what is missing.</summary>
    public static void Print(EvalReport report)
    {
        Console.WriteLine($"captions: {report.Captions.ToString().ToLowerInvariant()}; pairs: final_turn {report.PairsOf("final_turn").Count()}, all_turn {report.PairsOf("all_turn").Count()}");
        Console.WriteLine("evaluated_metrics_dict = " + report.EvaluatedMetricsDict().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var json = report.ToJson();
        Console.WriteLine("ip2p_clip_similarity = " + json["ip2p_clip_similarity"]!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        foreach (string m in report.Missing) Console.WriteLine($"missing: {m}");
    }
}
