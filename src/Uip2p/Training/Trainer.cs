using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using Uip2p.Cec;
using Uip2p.Checkpoints;
using Uip2p.Data;
using Uip2p.Imaging;
using Uip2p.Models.Diffusion;
using Uip2p.Objectives;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>What the trainer reports after each step.</summary>
public sealed record TrainProgress(int Step, int Steps, IReadOnlyDictionary<string, double> Values, TimeSpan Elapsed, TimeSpan Remaining, string? Event);

/// <summary>
/// The end of a run; <paramref name="Interrupted"/> when it stopped early on request, after checkpointing step <paramref name="Steps"/>.
/// <paramref name="ValidationLoss"/> names what <paramref name="BestValidation"/> measures: L_CEC, or L_DDPM for a supervised run without a CLIP.
/// </summary>
public sealed record TrainResult(int Steps, string ModelFolder, string? BestCheckpoint, double? BestValidation, TimeSpan Elapsed, bool Interrupted = false, string ValidationLoss = "L_CEC");

/// <summary>
/// Trains an editing UNet with CEC or the supervised IP2P objective: AdamW with warm-up and cosine decay,
/// gradient clipping and accumulation, optional EMA, a validation split scored by L_CEC (the paper's model
/// selection) with the best checkpoint kept, sample edits, metrics.jsonl + TensorBoard, atomic checkpoints
/// and a bit-exact resume on CPU (every random draw comes from (seed, step), the data order from
/// (seed, epoch); the torch generator state is saved besides). A non-finite loss stops the run naming the
/// step, the batch's record ids and the term.
/// </summary>
public sealed class Trainer
{
    public Trainer(TrainConfig config, string output)
    {
        Config = config;
        Output = Path.GetFullPath(output);
        Checkpoints = new CheckpointStore(Path.Combine(Output, "checkpoints"));
    }

    public TrainConfig Config { get; }
    public string Output { get; }
    public CheckpointStore Checkpoints { get; init; }

    /// <summary>Called after every step (and after validation/sampling events).</summary>
    public Action<TrainProgress>? Progress { get; set; }

    /// <summary>Called after each optimiser step with the trainer, the step just finished (1-based) and the model: notebooks chart here; tests poke here.</summary>
    public Action<int, UNet2DConditionModel>? AfterStep { get; set; }

    public EditingComponents? Components { get; private set; }
    public UNet2DConditionModel? Unet { get; private set; }

    /// <summary>
    /// Settings that may differ when a run is resumed: they change what is logged, sampled or kept, never the
    /// weights or the losses of any step. Any other difference is refused, since the earlier steps were made
    /// with the settings in the run's config.json.
    /// </summary>
    public static readonly IReadOnlySet<string> ResumableChanges = new HashSet<string>
    {
        "log_every", "tensor_board", "sample_every", "sample_count", "sample_steps", "sample_strength", "checkpoint_every", "keep_checkpoints",
    };

    string ConfigPath => Path.Combine(Output, "config.json");

    /// <summary>
    /// Runs to <see cref="TrainConfig.Steps"/>; <paramref name="resume"/> continues from the latest checkpoint.
    /// When <paramref name="stop"/> is cancelled (Ctrl-C in the CLI), the step in progress finishes, a checkpoint
    /// of it is written and the run returns with <see cref="TrainResult.Interrupted"/> set.
    /// </summary>
    public TrainResult Run(bool resume = false, CancellationToken stop = default)
    {
        var clock = Stopwatch.StartNew();
        // Every check that can fail comes before anything is written, so a failed start leaves no run folder behind.
        if (!resume && Checkpoints.Latest != null)
            throw new InvalidOperationException($"{Output} already holds a run (checkpoint {Checkpoints.Latest}); pass --resume to continue it or choose another output folder.");
        if (resume) CheckResumable();
        bool cecMethod = Config.Method == TrainMethod.Cec;
        EditingComponents.Check(Config.Components, Config.Resolution, Config.Clip, Config.ClipTokenizer, requireClip: cecMethod, Config.InitUnet);
        var components = Components = EditingComponents.Load(Config.Components, clip: Config.Clip, clipTokenizer: Config.ClipTokenizer, requireClip: cecMethod);
        // Model selection by validation L_CEC (the paper's) needs the CLIP; a supervised run without one selects by its own loss.
        string validationTerm = components.LossClip is null ? LossNames.Ddpm : LossNames.Cec, validationName = components.LossClip is null ? "L_DDPM" : "L_CEC";
        var (train, validation) = LoadData();
        Directory.CreateDirectory(Output);
        if (!resume) AtomicFile.WriteAllText(ConfigPath, Config.ToJson());
        var unet = Unet = components.LoadEditor(Config.InitUnet);
        unet.train();
        var optimizer = optim.AdamW(unet.parameters(), Config.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: Config.WeightDecay);
        using var ema = Config.EmaDecay is { } decay ? new Ema(unet, decay) : null;
        var cec = new CecStep(unet, components, Config.Cec);
        ITrainingObjective<EditBatch> objective = Config.Method == TrainMethod.Cec ? cec : new SupervisedStep(unet, components, Config.ConditioningDropout);

        int start = 0;
        long position = 0;
        double? best = null;
        int? bestStep = null;
        string? lastCheckpoint = null;
        if (resume && Checkpoints.LoadLatest() is { } checkpoint)
        {
            StateDictLoader.Load(unet, checkpoint.Weights, Path.Combine(checkpoint.Folder, "unet.safetensors"));
            using (var reader = new BinaryReader(File.OpenRead(checkpoint.OptimizerPath))) optimizer.load_state_dict(reader);
            if (ema != null)
            {
                if (checkpoint.EmaWeights is null) throw new InvalidDataException($"{checkpoint.Folder}: the run uses EMA but the checkpoint has no ema.safetensors.");
                ema.Load(checkpoint.EmaWeights, Path.Combine(checkpoint.Folder, "ema.safetensors"));
            }
            (start, position, best, bestStep) = (checkpoint.State.Step, checkpoint.State.DataPosition, checkpoint.State.BestValidation, checkpoint.State.BestStep);
            CheckpointStore.RestoreRng(checkpoint.State.TorchRngState);
            lastCheckpoint = Path.GetFileName(checkpoint.Folder);
            Report(start, [], clock, start, $"resumed from {lastCheckpoint}");
        }
        else Seeding.SeedEverything(Config.Seed);

        using var log = new TrainingLog(Output, Config.TensorBoard, start);
        ILossTerms? lastLosses = null;
        EditBatch? lastBatch = null;
        for (int step = start; step < Config.Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            double lr = Config.Schedule == "cosine"
                ? LearningRate.WarmupCosine(step, Config.Steps, Config.LearningRate, Config.WarmupSteps, floor: 0)
                : Config.LearningRate * Math.Min(1.0, (step + 1.0) / Math.Max(1, Config.WarmupSteps));
            LearningRate.Set(optimizer, lr);
            long stepStart = position;
            var outcome = OptimizerStep.Run(optimizer, unet.parameters(), step, Config.GradientAccumulation, Config.MaxGradNorm, micro =>
            {
                var batch = lastBatch = train.Batch(position, Config.BatchSize);
                position += Config.BatchSize;
                using var generator = Seeding.Generator(StableSeed.Of(Config.Seed, "step", step, micro));
                return (lastLosses = objective.Loss(batch, generator), batch.Ids);
            }, lastCheckpoint, beforeAttempt: () => position = stepStart, retrying: message => Report(step, [], clock, start, message));
            var sums = outcome.Terms;
            double norm = outcome.GradNorm;
            ema?.Update(unet);
            int done = step + 1;
            sums["grad_norm"] = norm;
            sums["lr"] = lr;
            sums["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3);
            if (done % Config.LogEvery == 0 || done == Config.Steps) log.Write(done, "train", sums);

            string? evt = null;
            bool isBest = false;
            if (done % Config.ValidateEvery == 0 || done == Config.Steps)
            {
                double v = Validate(cec, validation, unet, done, lastCheckpoint);
                log.Write(done, "validation", new Dictionary<string, double> { [validationTerm] = v });
                if (best is null || v < best) (best, bestStep, isBest) = (v, done, true);
                evt = $"validation {validationName} {v:F4}{(isBest ? " (best)" : "")}";
            }
            if (done % Config.SampleEvery == 0 || done == Config.Steps)
                Sample(done, validation, unet, log, lastBatch, lastLosses);
            if (done % Config.CheckpointEvery == 0 || done == Config.Steps || isBest)
                lastCheckpoint = Checkpoints.Save(new TrainingState(done, position, best, bestStep, CheckpointStore.SaveRng()), unet, optimizer, ema, isBest, Config.KeepCheckpoints);
            Report(done, sums, clock, start, evt);
            AfterStep?.Invoke(done, unet);
            lastLosses = null;
            lastBatch = null;
            if (stop.IsCancellationRequested && done < Config.Steps)
            {
                if (lastCheckpoint != $"step-{done:D6}")
                    lastCheckpoint = Checkpoints.Save(new TrainingState(done, position, best, bestStep, CheckpointStore.SaveRng()), unet, optimizer, ema, false, Config.KeepCheckpoints);
                Report(done, [], clock, start, $"interrupted: checkpoint {lastCheckpoint} written; --resume continues from step {done}");
                return new TrainResult(done, Path.Combine(Output, "model"), Checkpoints.Best, best, clock.Elapsed, Interrupted: true, validationName);
            }
        }

        string model = Path.Combine(Output, "model");
        Export(unet, ema, model);
        return new TrainResult(Config.Steps, model, Checkpoints.Best, best, clock.Elapsed, ValidationLoss: validationName);
    }

    /// <summary>A run to resume exists, and its config.json differs from this config only in <see cref="ResumableChanges"/>.</summary>
    void CheckResumable()
    {
        if (Checkpoints.Latest is null)
            throw new InvalidOperationException($"--resume: {Output} has no checkpoint to resume from{(Directory.Exists(Output) ? "" : " (the folder does not exist)")}; run without --resume to start a new run.");
        if (!File.Exists(ConfigPath))
            throw new InvalidDataException($"--resume: {ConfigPath} is missing, so the settings of the earlier steps are unknown.");
        var refused = ChangedKeys(ConfigPath, Config);
        if (refused.Count > 0)
            throw new InvalidOperationException(
                $"--resume: the settings differ from the run's config.json in {string.Join(", ", refused.Select(k => $"'{k}'"))}; the earlier steps were trained with those in {ConfigPath}. " +
                $"Resume with the same settings (only {string.Join(", ", ResumableChanges)} may change), or start a new run in another folder.");
    }

    /// <summary>
    /// The keys (dotted) in which <paramref name="config"/> differs from the run config saved at <paramref name="savedConfig"/>,
    /// leaving out <see cref="ResumableChanges"/>: empty when the run may continue under <paramref name="config"/>.
    /// </summary>
    public static IReadOnlyList<string> ChangedKeys(string savedConfig, TrainConfig config)
    {
        JsonNode? before;
        try { before = JsonNode.Parse(File.ReadAllText(savedConfig)); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{savedConfig} is not valid JSON ({e.Message.Split(". ")[0]}).", e); }
        // A key the saved config lacks was added to the workbench later: the run was trained with its default.
        FillDefaults(before, JsonNode.Parse(new TrainConfig().ToJson()));
        var changed = new List<string>();
        Diff(before, JsonNode.Parse(config.ToJson()), "", changed);
        return changed.Where(k => !ResumableChanges.Contains(k)).ToList();
    }

    static void FillDefaults(JsonNode? saved, JsonNode? defaults)
    {
        if (saved is not JsonObject s || defaults is not JsonObject d) return;
        foreach (var (key, value) in d)
            if (!s.ContainsKey(key)) s[key] = value?.DeepClone();
            else FillDefaults(s[key], value);
    }

    /// <summary>The dotted keys whose values differ between two configs as JSON (also used to compare ablation plans).</summary>
    internal static void Diff(JsonNode? a, JsonNode? b, string prefix, List<string> changed)
    {
        if (a is JsonObject oa && b is JsonObject ob)
        {
            foreach (string key in oa.Select(kv => kv.Key).Union(ob.Select(kv => kv.Key)))
                Diff(oa[key], ob[key], prefix + key + ".", changed);
            return;
        }
        if (!JsonNode.DeepEquals(a, b)) changed.Add(prefix.TrimEnd('.'));
    }

    (EditBatches Train, EditBatches Validation) LoadData()
    {
        var dataset = new EditDataset(Config.Data) { RequireGroundTruth = Config.Method == TrainMethod.Supervised };
        var records = dataset.ReadAll();
        if (Config.ValidationData is { } v)
        {
            var vd = new EditDataset(v) { RequireGroundTruth = Components!.LossClip is null };
            return (new EditBatches(dataset, records, Config.Seed, Config.Resolution), new EditBatches(vd, vd.ReadAll(), Config.Seed, Config.Resolution));
        }
        // Split by record id, so the split does not depend on the file's order.
        bool IsValidation(EditRecord r) => StableSeed.Of("validation", r.Id) % 10_000 < Config.ValidationFraction * 10_000;
        var val = records.Where(IsValidation).ToList();
        var tr = records.Where(r => !IsValidation(r)).ToList();
        if (val.Count == 0) val = [tr[^1]];
        return (new EditBatches(dataset, tr, Config.Seed, Config.Resolution), new EditBatches(dataset, val, Config.Seed, Config.Resolution));
    }

    /// <summary>
    /// Mean L_CEC over the first validation batches with fixed randomness (comparable across steps and methods); without a
    /// CLIP (a supervised run on a diffusers folder) the supervised loss instead, with the same fixed draws.
    /// </summary>
    double Validate(CecStep cec, EditBatches validation, UNet2DConditionModel unet, int step, string? lastCheckpoint)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        unet.eval();
        bool byCec = Components!.LossClip != null;
        var noDropout = new CecStep(unet, Components!, cec.Options with { ConditioningDropout = 0 });
        var supervised = new SupervisedStep(unet, Components!, conditioningDropout: 0);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < Config.ValidationBatches; i++)
        {
            long start = (long)i * Config.BatchSize;
            if (start >= validation.Count) break;
            using var batch = validation.Of(validation.Records.Skip((int)start).Take(Config.BatchSize).ToList());
            // A one-off NaN from the backend (see Run) gets two more tries with the same draws.
            double v = double.NaN;
            for (int attempt = 1; attempt <= 3 && !double.IsFinite(v); attempt++)
            {
                using var generator = Seeding.Generator(StableSeed.Of(Config.Seed, "validation", i));
                v = (byCec ? noDropout.Run(batch, generator).Total : supervised.Run(batch, generator)).item<float>();
            }
            // A non-finite validation loss stops the run like a training one: the model has diverged.
            NonFiniteGuard.Check(step, new Dictionary<string, double> { [byCec ? "validation loss/cec" : "validation loss/ddpm"] = v }, batch.Ids, lastCheckpoint);
            sum += v;
            n++;
        }
        unet.train();
        return sum / Math.Max(1, n);
    }

    void Sample(int step, EditBatches validation, UNet2DConditionModel unet, TrainingLog log, EditBatch? lastBatch, ILossTerms? lastLosses)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        unet.eval();
        var rows = validation.Records.Take(Config.SampleCount).ToList();
        using var batch = validation.Of(rows);
        var edited = Components!.Pipeline(unet).Edit(batch.Inputs, batch.Instructions,
            new EditOptions { Steps = Config.SampleSteps, Sampler = "ddim", Seed = Config.Seed, Strength = Config.SampleStrength });
        bool truth = batch.CleanEditedImages is not null;
        var grid = new ImageGrid(truth ? 3 : 2) { ColumnHeaders = truth ? ["input", "edit", "ground truth"] : ["input", "edit"], Title = $"step {step}" };
        for (int i = 0; i < rows.Count; i++)
        {
            grid.Add(batch.Inputs[i], rows[i].EditInstruction);
            grid.Add(edited[i]);
            if (truth) grid.Add(batch.CleanEditedImages![i]);
        }
        string folder = Path.Combine(Output, "samples");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"step-{step:D6}.png");
        grid.Save(path);
        log.Image("samples/edits", path, step);
        // An objective that runs a cycle (CEC) also shows the cycle itself: input, one-step forward edit, one-step reconstruction.
        if (lastBatch is { } b && lastLosses is CecResult { CycleRows: > 0 } c)
        {
            var cycle = new ImageGrid(3) { ColumnHeaders = ["input", "forward edit (x̂₀)", "reconstruction"], Title = $"CEC step {step}" };
            for (int i = 0; i < Math.Min(c.CycleRows, Config.SampleCount); i++)
            {
                cycle.Add(b.Inputs[i], b.Instructions[i]);
                cycle.Add(c.Edited[i]);
                cycle.Add(c.Reconstructed[i]);
            }
            string cyclePath = Path.Combine(folder, $"cycle-{step:D6}.png");
            cycle.Save(cyclePath);
            log.Image("samples/cycle", cyclePath, step);
        }
        unet.train();
    }

    /// <summary>The trained editor as a diffusers InstructPix2Pix folder (EMA weights when the run keeps them).</summary>
    void Export(UNet2DConditionModel unet, Ema? ema, string folder)
    {
        var exported = unet;
        if (ema != null)
        {
            exported = new UNet2DConditionModel(unet.Config);
            StateDictLoader.Load(exported, unet.state_dict(), "trained UNet");
            ema.CopyTo(exported);
        }
        exported.eval();
        // Written beside and renamed into place: a model/ folder is always a complete export (RunCache relies on it).
        string partial = folder + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Components!.Pipeline(exported).Save(partial, Path.Combine(Components.Folder, "tokenizer"));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(partial, folder);
    }

    void Report(int step, Dictionary<string, double> values, Stopwatch clock, int start, string? evt)
    {
        if (Progress is null) return;
        double rate = step > start ? clock.Elapsed.TotalSeconds / (step - start) : 0;
        Progress(new TrainProgress(step, Config.Steps, values, clock.Elapsed, TimeSpan.FromSeconds(rate * (Config.Steps - step)), evt));
    }
}
