using System.Globalization;
using System.Text;
using Spectre.Console;
using Uip2p.Evaluation;
using Uip2p.Pipelines;
using Uip2p.Runtime;

namespace Uip2p.Cli.Commands;

/// <summary>
/// What eval run and eval sweep share: for every editor and every value of one setting (steps or image
/// guidance), edit the sessions into MagicBrush's generated layout (resumable), score, and collect one row
/// per editor × value × MagicBrush setting, written with its model, data, options and seed.
/// </summary>
static class EvalStudy
{
    public sealed record Sessions(List<GroundTruthSession> List, CaptionTable? Local, CaptionTable? Global);

    /// <summary>The sessions to edit, with instructions: our dataset's records, or MagicBrush's images + edit_sessions.json.</summary>
    public static Sessions Read(string data, int? limit)
    {
        List<GroundTruthSession> sessions;
        CaptionTable? local = null, global;
        if (DatasetLayout.IsDataset(data)) (sessions, global) = DatasetLayout.ReadSessions(data);
        else
        {
            var truth = MagicBrushLayout.ReadGroundTruth(MagicBrushLayout.GroundTruthFolders(data).Images);
            var instructions = MagicBrushLayout.ReadInstructions(data, truth);
            (local, global) = MagicBrushLayout.ReadCaptions(data);
            sessions = truth.Select(s => s with { Instructions = instructions[s.Id] }).ToList();
        }
        if (limit is int n) sessions = sessions.Take(n).ToList();
        return new Sessions(sessions, local, global);
    }

    /// <summary>Short unique names for editor folders (the folder's name, numbered when two share one).</summary>
    public static List<string> EditorNames(IReadOnlyList<string> models)
    {
        var names = models.Select(m => Path.GetFileName(Path.GetFullPath(m).TrimEnd(Path.DirectorySeparatorChar))).ToList();
        return names.Select((n, i) => names.Count(x => x == n) > 1 ? $"{n}-{i + 1}" : n).ToList();
    }

    /// <summary>Runs the study; <paramref name="options"/> gives the edit options of one value; returns the points and the CSV table.</summary>
    public static (List<StudyPoint> Points, string Csv) Run(IReadOnlyList<string> models, string dataDir, Sessions sessions, string outDir, string settingName,
        IReadOnlyList<double> values, Func<double, EditOptions> options, int? resolution, bool multiTurn, EvalClip? clip, EvalDino? dino, CaptionKind captions,
        Func<string, double, string> runFolder)
    {
        var names = EditorNames(models);
        var points = new List<StudyPoint>();
        var csv = new StringBuilder($"editor,{settingName},setting," + string.Join(",", EvalReport.MetricKeys.Concat(EvalReport.SimilarityKeys))
            + ",model,data,steps,text_guidance,image_guidance,seed,sampler,strength,resolution,clip,dino,captions\n");
        for (int m = 0; m < models.Count; m++)
        {
            var pipeline = EvalEditor.LoadPipeline(models[m], Devices.Default);
            foreach (double value in values)
            {
                var opts = options(value);
                string runDir = runFolder(names[m], value);
                string generated = Path.Combine(runDir, "generated");
                var editor = new EvalEditor(pipeline, opts, resolution);
                int total = EvalEditor.Plan(sessions.List, generated, multiTurn).Count, editedNow = 0, skipped = 0;
                string label = $"{names[m]}, {settingName} {value.ToString(CultureInfo.InvariantCulture)}";
                AnsiConsole.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"editing ({label})", maxValue: Math.Max(1, total));
                        editedNow = editor.Run(sessions.List, generated, multiTurn, (done, _, sk) => { task.Value = done; skipped = sk; });
                    });
                AnsiConsole.MarkupLine($"{Markup.Escape(label)}: edited {editedNow}, kept {skipped} already written → [green]{Markup.Escape(generated)}[/]");
                // Paired against the sessions edited (all, or --limit's first N), by the same rules as eval score.
                var set = MagicBrushLayout.Pair(generated, dataDir, dataDir, sessions.List, sessions.Local, sessions.Global);
                var provenance = Provenance(models[m], dataDir, opts, resolution, multiTurn);
                var report = EvalCommand.ScoreAndWrite(set, clip, dino, captions, runDir, provenance);
                foreach (string setting in EvalSet.Settings)
                {
                    if (!report.PairsOf(setting).Any()) continue;
                    var metrics = EvalReport.MetricKeys.ToDictionary(k => k, k => report.Aggregate(setting, k));
                    if (setting == "all_turn")
                        points.Add(new StudyPoint(names[m], value, report.SimilarityMean(setting, "sim_direction"), report.SimilarityMean(setting, "sim_image"), metrics));
                    csv.AppendLine(string.Join(",", new[] { Cell(names[m]), value.ToString("R", CultureInfo.InvariantCulture), setting }
                        .Concat(EvalReport.MetricKeys.Select(k => Num(report.Aggregate(setting, k))))
                        .Concat(EvalReport.SimilarityKeys.Select(k => Num(report.SimilarityMean(setting, k))))
                        .Concat(new[] { "model", "data", "steps", "text_guidance", "image_guidance", "seed", "sampler", "strength", "resolution", "clip", "dino" }.Select(k => Cell(report.Provenance[k])))
                        .Append(captions.ToString().ToLowerInvariant())));
                }
            }
        }
        return (points, csv.ToString());
    }

    public static Dictionary<string, string> Provenance(string model, string data, EditOptions o, int? resolution, bool multiTurn) => new()
    {
        ["command"] = "eval", ["model"] = model, ["data"] = data, ["steps"] = o.Steps.ToString(CultureInfo.InvariantCulture),
        ["text_guidance"] = o.TextGuidance.ToString("R", CultureInfo.InvariantCulture), ["image_guidance"] = o.ImageGuidance.ToString("R", CultureInfo.InvariantCulture),
        ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture), ["sampler"] = o.Sampler, ["strength"] = o.Strength.ToString("R", CultureInfo.InvariantCulture),
        ["resolution"] = resolution?.ToString(CultureInfo.InvariantCulture) ?? "input", ["multi_turn"] = multiTurn ? "true" : "false",
    };

    static string Num(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
    static string Cell(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>The checks every editing verb shares, before any model is built.</summary>
    public static void CheckEditOptions(double sT, double sI, double strength, string sampler, int? resolution, int? limit)
    {
        if (!double.IsFinite(sT) || sT < 0 || sT > 100) throw new ArgumentException($"--text-guidance {sT}: must be 0 to 100.");
        if (!double.IsFinite(sI) || sI < 0 || sI > 100) throw new ArgumentException($"--image-guidance {sI}: must be 0 to 100.");
        if (!(strength > 0 && strength <= 1)) throw new ArgumentException($"--strength {strength}: must be in (0, 1].");
        if (sampler is not ("euler_a" or "ddim" or "ddpm")) throw new ArgumentException($"--sampler {sampler}: expected euler_a, ddim or ddpm.");
        if (resolution is < 8 or > 4096) throw new ArgumentException($"--resolution {resolution}: must be 8 to 4096.");
        if (limit is < 1) throw new ArgumentException($"--limit {limit}: must be at least 1.");
    }

    /// <summary>Defaults CLIP (and its tokenizer) to an editor folder's own clip/ (the world's components), then checks the folders.</summary>
    public static (string? Clip, string? Tokenizer) ResolveClip(string firstModel, string? clip, string? tokenizer)
    {
        if (clip == null && Directory.Exists(Path.Combine(firstModel, "clip"))) clip = Path.Combine(firstModel, "clip");
        if (tokenizer == null && clip != null && !File.Exists(Path.Combine(clip, "vocab.json")) && !Directory.Exists(Path.Combine(clip, "tokenizer")) && Directory.Exists(Path.Combine(firstModel, "tokenizer")))
            tokenizer = Path.Combine(firstModel, "tokenizer");
        EvalCommand.CheckModelFolder("--clip", clip);
        return (clip, tokenizer);
    }
}
