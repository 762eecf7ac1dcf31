using System.Diagnostics;
using Uip2p.Evaluation;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Training;

namespace Uip2p.Experiments;

/// <summary>What an ablation did with a run this time.</summary>
public enum AblationAction
{
    /// <summary>Its final model was there: not trained again.</summary>
    Kept,
    /// <summary>Trained from the start.</summary>
    Trained,
    /// <summary>Continued from its latest checkpoint.</summary>
    Resumed,
}

/// <summary>The end of <see cref="Ablation.Run"/>: the tables (null when interrupted), what happened to each run, and where it stopped if it did.</summary>
public sealed record AblationReport(string Folder, AblationResults? Results, IReadOnlyDictionary<string, AblationAction> Runs, int Evaluated, string? InterruptedAt, TimeSpan Elapsed)
{
    public bool Interrupted => InterruptedAt != null;
}

/// <summary>
/// Trains every run of an <see cref="AblationPlan"/> with the existing <see cref="Trainer"/>, scores each on the same held-out
/// world edits beside the identity reference, and writes one table (see <see cref="AblationResults"/>). Resumable at every
/// level: a run whose final model exists is kept, an interrupted one resumes from its checkpoint (the trainer's resume,
/// bit-exact on CPU), and scores cached in a run's folder are reused while the evaluation settings stay the same. The plan is
/// written to <c>ablation.json</c> before anything is trained; a rerun into the same folder with a plan that drops runs or
/// changes their settings is refused (<see cref="AblationPlan.CheckCompatible"/>); new variants and seeds are added.
/// Layout: <c>ablation.json</c>, <c>heldout/</c> (the scenes), <c>identity/eval/</c>, <c>runs/&lt;variant&gt;_seed&lt;k&gt;/</c>
/// (a train run folder plus <c>eval/</c>), <c>results.csv</c>, <c>summary.csv</c>, <c>summary.md</c>, <c>&lt;metric&gt;.png/.svg</c>.
/// </summary>
public sealed class Ablation(AblationPlan plan, string output)
{
    public const string PlanFile = "ablation.json";
    public const string IdentityFolder = "identity";

    public AblationPlan Plan { get; } = plan;
    public string Output { get; } = Path.GetFullPath(output);
    public string PlanPath => Path.Combine(Output, PlanFile);

    /// <summary>Stage messages: which run is kept, trained, resumed or scored.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>
    /// Runs a trainer (the run, and whether to resume); the CLI draws its progress bar here. Default:
    /// <c>trainer.Run(resume, stop)</c>. It must honour the token as the trainer does (checkpoint, return Interrupted).
    /// </summary>
    public Func<Trainer, AblationRun, bool, CancellationToken, TrainResult>? RunTrainer { get; set; }

    /// <summary>
    /// Runs one scoring (its label, the number of edits, the work, which reports edits done); the CLI draws a progress bar
    /// around it. Default: the work, unobserved.
    /// </summary>
    public Action<string, int, Action<Action<int, int>?>>? RunEvaluation { get; set; }

    /// <summary>
    /// The <c>uip2p ablate</c> command that runs this same ablation from the repository root (paths inside the
    /// repository relative to it), e.g. to train a long plan in a terminal while a notebook waits for its runs.
    /// </summary>
    public string CommandLine()
    {
        string root = Notebooks.RepositoryRoot.Find();
        string Path_(string p)
        {
            string full = Path.GetFullPath(p);
            return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? Path.GetRelativePath(root, full) : full;
        }
        static string Quote(string s) => s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./=,:+".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
        var args = new List<string> { "./uip2p", "ablate", "--config", Quote(Path_(Plan.Config)), "--out", Quote(Path_(Output)), "--seeds", Plan.Seeds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (string v in Plan.Variants) args.AddRange(["--variant", Quote(v)]);
        foreach (string v in Plan.Vary) args.AddRange(["--vary", Quote(v)]);
        foreach (string v in Plan.Set)
        {
            int eq = v.IndexOf('=');
            string key = eq < 0 ? v : v[..eq], value = eq < 0 ? "" : v[(eq + 1)..];
            // Paths in --set are read relative to the config file, as in the file itself.
            string configDir = Path.GetDirectoryName(Path.GetFullPath(Plan.Config))!;
            args.AddRange(["--set", Quote(key is "data" or "components" or "validation_data" && value.Length > 0
                ? $"{key}={Path.GetRelativePath(configDir, Path.GetFullPath(value))}" : v)]);
        }
        var e = Plan.Evaluation;
        var d = new AblationEvalSettings();
        string F(double x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (e.HeldOut != d.HeldOut) args.AddRange(["--held-out", e.HeldOut.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (e.HeldOutSeed != d.HeldOutSeed) args.AddRange(["--held-out-seed", e.HeldOutSeed.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (e.Steps != d.Steps) args.AddRange(["--edit-steps", e.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (e.Sampler != d.Sampler) args.AddRange(["--sampler", e.Sampler]);
        if (e.TextGuidance != d.TextGuidance) args.AddRange(["--text-guidance", F(e.TextGuidance)]);
        if (e.ImageGuidance != d.ImageGuidance) args.AddRange(["--image-guidance", F(e.ImageGuidance)]);
        if (e.Strength != d.Strength) args.AddRange(["--strength", F(e.Strength)]);
        if (e.Seed != d.Seed) args.AddRange(["--edit-seed", e.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (e.Clip is { } clip) args.AddRange(["--clip", Quote(Path_(clip))]);
        return string.Join(' ', args);
    }

    /// <summary>Resolves the plan and checks it against the folder's ablation.json, writing nothing (every check a CLI runs before work).</summary>
    public (IReadOnlyList<AblationRun> Runs, AblationEvalSettings Evaluation) Check()
    {
        var (runs, evaluation) = Plan.Resolve();
        AblationPlan.CheckCompatible(PlanPath, runs);
        return (runs, evaluation);
    }

    /// <summary><see cref="Check"/>, then writes ablation.json (atomically).</summary>
    public (IReadOnlyList<AblationRun> Runs, AblationEvalSettings Evaluation) Prepare()
    {
        var checkedPlan = Check();
        Directory.CreateDirectory(Output);
        AtomicFile.WriteAllText(PlanPath, Plan.ToJson(checkedPlan.Runs, checkedPlan.Evaluation).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return checkedPlan;
    }

    /// <summary>
    /// Trains what is missing, scores what is not scored, and writes the tables and figures. When <paramref name="stop"/>
    /// is cancelled, the training step or scoring batch in progress finishes, the run's checkpoint is written, and the
    /// report says where it stopped; rerunning the same plan continues from there.
    /// </summary>
    public AblationReport Run(CancellationToken stop = default)
    {
        var clock = Stopwatch.StartNew();
        var (runs, settings) = Prepare();
        // Every tensor made here without a scope of its own (the regenerated held-out scenes, the CLIP model) is freed on
        // return, never by a finalizer racing a native call: notebooks have no scope around a cell (README "Test-host crashes").
        using var tensors = TorchSharp.torch.NewDisposeScope();
        var actions = new Dictionary<string, AblationAction>();
        int evaluated = 0;
        string current = "the identity reference";
        AblationReport Stopped(string where) => new(Output, null, actions, evaluated, where, clock.Elapsed);

        Log?.Invoke($"{runs.Count} runs ({runs.Select(r => r.Variant).Distinct().Count()} variants × {Plan.Seeds} seed{(Plan.Seeds == 1 ? "" : "s")}); {settings.HeldOut} held-out world edits (seed {settings.HeldOutSeed})");
        var held = HeldOutWorld.Write(Path.Combine(Output, "heldout"), settings.HeldOut, settings.HeldOutSeed);
        var clip = settings.Clip is { } c ? EvalClip.Load(c, settings.ClipTokenizer, Devices.Default) : null;
        var evaluator = new AblationEvaluator(held, settings, clip);

        try
        {
            string identityFolder = Path.Combine(Output, IdentityFolder);
            var identity = evaluator.Cached(identityFolder) ?? Score(evaluator, identityFolder, null, "identity (output = input)", stop, ref evaluated);
            var scored = new List<(AblationRun, AblationScores)>();
            for (int i = 0; i < runs.Count; i++)
            {
                var run = runs[i];
                string folder = run.Folder(Output), label = $"[{i + 1}/{runs.Count}] {run.Label}";
                current = run.Label;
                var state = run.State(Output);
                if (state == AblationRunState.Finished)
                {
                    actions[run.Slug] = AblationAction.Kept;
                    Log?.Invoke($"{label}: kept (finished: {Path.GetRelativePath(Output, run.ModelFolder(Output))})");
                }
                else
                {
                    stop.ThrowIfCancellationRequested();
                    // A folder without a checkpoint holds nothing to continue (a start that died before step 1): start clean.
                    if (state == AblationRunState.New && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
                    bool resume = state == AblationRunState.Interrupted;
                    Log?.Invoke($"{label}: {(resume ? "resuming from its latest checkpoint" : "training")} ({run.Config.Steps} steps) → {Path.GetRelativePath(Output, folder)}");
                    var trainer = new Trainer(run.Config, folder);
                    var result = RunTrainer?.Invoke(trainer, run, resume, stop) ?? trainer.Run(resume, stop);
                    actions[run.Slug] = resume ? AblationAction.Resumed : AblationAction.Trained;
                    if (result.Interrupted) return Stopped($"{run.Label}, step {result.Steps} of {run.Config.Steps}");
                    // Scores of an earlier model of this run are not its scores any more.
                    string cache = AblationEvaluator.ScoresPath(folder);
                    if (File.Exists(cache)) File.Delete(cache);
                }
                var scores = evaluator.Cached(folder);
                if (scores is null)
                {
                    var pipeline = InstructPix2PixPipeline.Load(run.ModelFolder(Output), Devices.Default);
                    try { scores = Score(evaluator, folder, pipeline, run.Label, stop, ref evaluated); }
                    finally
                    {
                        // Native weights go now, not at some later collection: many runs keep memory flat.
                        pipeline.Unet.Dispose();
                        pipeline.Vae.Dispose();
                        pipeline.TextEncoder?.Dispose();
                    }
                }
                scored.Add((run, scores));
            }
            var results = new AblationResults(identity, scored);
            var files = results.Write(Output);
            Log?.Invoke($"wrote {string.Join(", ", files.Where(f => !f.EndsWith(".svg", StringComparison.Ordinal)))} (+ .svg of each figure)");
            return new AblationReport(Output, results, actions, evaluated, null, clock.Elapsed);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return Stopped(current);
        }
    }

    AblationScores Score(AblationEvaluator evaluator, string folder, InstructPix2PixPipeline? pipeline, string label, CancellationToken stop, ref int evaluated)
    {
        Log?.Invoke($"scoring {label} on {evaluator.HeldOut.Count} held-out edits");
        AblationScores? scores = null;
        void Work(Action<int, int>? progress) => scores = evaluator.Evaluate(folder, pipeline, progress, stop);
        if (RunEvaluation is { } wrap) wrap(label, evaluator.HeldOut.Count, Work);
        else Work(null);
        evaluated++;
        return scores!;
    }
}
