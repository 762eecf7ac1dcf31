using System.CommandLine;
using System.Globalization;
using System.Text;
using Spectre.Console;
using Uip2p.Evaluation;
using Uip2p.Pipelines;
using Uip2p.Runtime;

namespace Uip2p.Cli.Commands;

/// <summary>
/// <c>uip2p eval run</c>: edits an evaluation set as MagicBrush's inference script does (single-turn from each
/// ground-truth input; with --multi-turn also iterating on its own outputs), writes the generated layout,
/// resumes where it stopped, then scores. Several --steps values make the step-count study.
/// </summary>
static class EvalRunCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "InstructPix2Pix diffusers folder (unet/ with 8 input channels, or an editor/ UNet as the world's components and trained runs have).", Required = true };
        var data = new Option<string>("--data") { Description = "MagicBrush's test folder (images/, edit_sessions.json, descriptions) or one of our datasets (records.jsonl with session/turn).", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: generated/ (MagicBrush's layout), metrics.json, pairs.csv; with several --steps one steps_<N>/ each and steps.csv.", Required = true };
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
        var command = new Command("run", "Edit an evaluation set as MagicBrush's inference script does, then score it (resumable).")
        {
            model, data, output, multiTurn, steps, textGuidance, imageGuidance, seed, sampler, strength, resolution, limit, clip, dino, tokenizer, captions,
        };
        command.SetAction(result =>
        {
            string modelDir = result.GetValue(model)!, dataDir = result.GetValue(data)!, outDir = result.GetValue(output)!;
            int[] stepList = result.GetValue(steps) ?? [100];
            double sT = result.GetValue(textGuidance), sI = result.GetValue(imageGuidance), str = result.GetValue(strength);
            string samplerName = result.GetValue(sampler)!, captionsValue = result.GetValue(captions)!;
            int? res = result.GetValue(resolution), lim = result.GetValue(limit);
            string? clipDir = result.GetValue(clip), dinoDir = result.GetValue(dino), tok = result.GetValue(tokenizer);
            // Every option is checked before any model is built.
            if (stepList.Length == 0) throw new ArgumentException("--steps: give at least one value (1 to 1000).");
            foreach (int n in stepList) if (n is < 1 or > 1000) throw new ArgumentException($"--steps {n}: must be 1 to 1000.");
            if (stepList.Distinct().Count() != stepList.Length) throw new ArgumentException($"--steps {string.Join(" ", stepList)}: each value once.");
            if (!double.IsFinite(sT) || sT < 0 || sT > 100) throw new ArgumentException($"--text-guidance {sT}: must be 0 to 100.");
            if (!double.IsFinite(sI) || sI < 0 || sI > 100) throw new ArgumentException($"--image-guidance {sI}: must be 0 to 100.");
            if (!(str > 0 && str <= 1)) throw new ArgumentException($"--strength {str}: must be in (0, 1].");
            if (samplerName is not ("euler_a" or "ddim" or "ddpm")) throw new ArgumentException($"--sampler {samplerName}: expected euler_a, ddim or ddpm.");
            if (res is < 8 or > 4096) throw new ArgumentException($"--resolution {res}: must be 8 to 4096.");
            if (lim is < 1) throw new ArgumentException($"--limit {lim}: must be at least 1.");
            EvalCommand.CheckCaptionsValue(captionsValue);
            EvalCommand.CheckModelFolder("--model", modelDir);
            if (!Directory.Exists(dataDir)) throw new DirectoryNotFoundException($"--data {dataDir}: no such folder.");
            // The world's components (and trained runs) carry their own CLIP: used for CLIP-I / CLIP-T unless --clip is given.
            if (clipDir == null && Directory.Exists(Path.Combine(modelDir, "clip"))) clipDir = Path.Combine(modelDir, "clip");
            if (tok == null && clipDir != null && !File.Exists(Path.Combine(clipDir, "vocab.json")) && !Directory.Exists(Path.Combine(clipDir, "tokenizer")) && Directory.Exists(Path.Combine(modelDir, "tokenizer")))
                tok = Path.Combine(modelDir, "tokenizer");
            EvalCommand.CheckModelFolder("--clip", clipDir);
            EvalCommand.CheckModelFolder("--dino", dinoDir);
            EvalCommand.CheckOutput("--out", outDir);
            var (sessions, local, global) = ReadSessions(dataDir);
            if (lim is int l) sessions = sessions.Take(l).ToList();
            var kind = EvalCommand.Captions(captionsValue, dataDir);

            GlobalOptions.Apply(result);
            var device = Devices.Default;
            var pipeline = EvalEditor.LoadPipeline(modelDir, device);
            var (clipModel, dinoModel) = EvalCommand.LoadModels(clipDir, dinoDir, tok);
            var summary = new StringBuilder("steps,setting," + string.Join(",", EvalReport.MetricKeys.Concat(EvalReport.SimilarityKeys)) + ",model,data,text_guidance,image_guidance,seed,sampler,strength\n");
            foreach (int n in stepList)
            {
                string runDir = stepList.Length == 1 ? outDir : Path.Combine(outDir, $"steps_{n}");
                string generated = Path.Combine(runDir, "generated");
                var options = new EditOptions { Steps = n, TextGuidance = sT, ImageGuidance = sI, Seed = result.GetValue(seed), Sampler = samplerName, Strength = str };
                var editor = new EvalEditor(pipeline, options, res);
                int total = EvalEditor.Plan(sessions, generated, result.GetValue(multiTurn)).Count, editedNow = 0, skipped = 0;
                AnsiConsole.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"editing, {n} steps", maxValue: Math.Max(1, total));
                        editedNow = editor.Run(sessions, generated, result.GetValue(multiTurn), (done, _, sk) => { task.Value = done; skipped = sk; });
                    });
                AnsiConsole.MarkupLine($"{n} steps: edited {editedNow}, kept {skipped} already written → [green]{Markup.Escape(generated)}[/]");
                // Paired against the sessions edited (all, or --limit's first N), by the same rules as eval score.
                var set = MagicBrushLayout.Pair(generated, dataDir, dataDir, sessions, local, global);
                var provenance = new Dictionary<string, string>
                {
                    ["command"] = "eval run", ["model"] = modelDir, ["data"] = dataDir, ["steps"] = n.ToString(CultureInfo.InvariantCulture),
                    ["text_guidance"] = sT.ToString("R", CultureInfo.InvariantCulture), ["image_guidance"] = sI.ToString("R", CultureInfo.InvariantCulture),
                    ["seed"] = result.GetValue(seed).ToString(CultureInfo.InvariantCulture), ["sampler"] = samplerName,
                    ["strength"] = str.ToString("R", CultureInfo.InvariantCulture), ["resolution"] = res?.ToString(CultureInfo.InvariantCulture) ?? "input",
                    ["multi_turn"] = result.GetValue(multiTurn) ? "true" : "false",
                };
                var report = EvalCommand.ScoreAndWrite(set, clipModel, dinoModel, kind, runDir, provenance);
                foreach (string setting in EvalSet.Settings)
                    summary.AppendLine(string.Join(",", new[] { n.ToString(CultureInfo.InvariantCulture), setting }
                        .Concat(EvalReport.MetricKeys.Select(k => Num(report.Aggregate(setting, k))))
                        .Concat(EvalReport.SimilarityKeys.Select(k => Num(report.SimilarityMean(setting, k))))
                        .Concat([Csv(modelDir), Csv(dataDir), provenance["text_guidance"], provenance["image_guidance"], provenance["seed"], samplerName, provenance["strength"]])));
            }
            if (stepList.Length > 1)
            {
                string path = Path.Combine(outDir, "steps.csv");
                AtomicFile.WriteAllText(path, summary.ToString());
                AnsiConsole.MarkupLine($"step-count table → [green]{Markup.Escape(path)}[/]");
            }
            return 0;
        });
        return command;
    }

    /// <summary>The sessions to edit, with their instructions: our dataset's records, or MagicBrush's images + edit_sessions.json.</summary>
    static (List<GroundTruthSession> Sessions, CaptionTable? Local, CaptionTable? Global) ReadSessions(string data)
    {
        if (DatasetLayout.IsDataset(data))
        {
            var (sessions, global) = DatasetLayout.ReadSessions(data);
            return (sessions, null, global);
        }
        var truth = MagicBrushLayout.ReadGroundTruth(MagicBrushLayout.GroundTruthFolders(data).Images);
        var instructions = MagicBrushLayout.ReadInstructions(data, truth);
        var (l, g) = MagicBrushLayout.ReadCaptions(data);
        return (truth.Select(s => s with { Instructions = instructions[s.Id] }).ToList(), l, g);
    }

    static string Num(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
    static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
