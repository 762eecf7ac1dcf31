using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using Uip2p.Checkpoints;
using Uip2p.IO;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Objectives;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using Uip2p.Training;
using static TorchSharp.torch;

namespace Uip2p.World.Pretraining;

/// <summary>
/// Pretrains the world's components with the real classes and writes them as a diffusers-layout folder:
/// <c>vae/</c> (<see cref="VaeObjective"/>), <c>clip/</c> (<see cref="ClipObjective"/>, for losses and metrics),
/// <c>text_encoder/</c> + <c>tokenizer/</c> (the CLIP text tower), <c>unet/</c> + <c>scheduler/</c>
/// (<see cref="TextToImageObjective"/>) and <c>editor/</c> (<see cref="EditorObjective"/>: the start of every editing run).
/// Every stage runs through the workbench's one optimiser step (<see cref="OptimizerStep"/>) and checkpoint store
/// (<see cref="CheckpointStore"/>, <c>checkpoints/STAGE/</c>); a rerun resumes where it stopped and skips a finished
/// stage. Each stage seeds its model from the config's seed and draws every step's randomness from (seed, stage, step),
/// reading only its predecessors' saved outputs, so a rerun reproduces the tensors bit for bit.
/// </summary>
public sealed class WorldPretraining(PretrainConfig config, string output, Action<string, int, int, string>? progress = null)
{
    /// <summary>The stages in the order they run; each reads only what the earlier ones wrote.</summary>
    public static readonly IReadOnlyList<string> Stages = ["vae", "clip", "unet", "editor"];

    public PretrainConfig Config { get; } = config;
    string Checkpoints => Path.Combine(output, "checkpoints");

    PretrainScenes _data = null!;
    ClipTokenizer _tokenizer = null!;
    Tensor? _latents;   // scaled VAE latents of every scene, once the VAE is trained

    public void Run()
    {
        Directory.CreateDirectory(output);
        Directory.CreateDirectory(Checkpoints);
        WorldTokenizer.Write(Path.Combine(output, "tokenizer"));
        _tokenizer = ClipTokenizer.FromFolder(Path.Combine(output, "tokenizer"));
        _data = PretrainScenes.Render(Config);
        var timings = new JsonObject();
        var vae = Stage("vae", timings, TrainVae, () => DiffusersFolder.LoadVae(Path.Combine(output, "vae")));
        Stage("clip", timings, TrainClip, () => true);
        var unet = Stage("unet", timings, () => TrainUnet(vae), () => DiffusersFolder.LoadUNet(Path.Combine(output, "unet")));
        Stage("editor", timings, () => TrainEditor(vae, unet), () => true);
        DiffusersFolder.SaveIndex(output, "DDPMScheduler", "StableDiffusionPipeline");
        AtomicFile.WriteAllText(Path.Combine(output, "pretrain.json"), new JsonObject
        {
            ["config"] = JsonSerializer.SerializeToNode(Config with { }, new JsonSerializerOptions { WriteIndented = true }),
            ["seconds"] = timings,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    T Stage<T>(string name, JsonObject timings, Func<T> train, Func<T> load)
    {
        string done = Path.Combine(Checkpoints, name + ".done");
        if (File.Exists(done))
        {
            // The stage's training time, recorded when it finished, stays in pretrain.json.
            timings[name] = double.Parse(File.ReadAllText(done), System.Globalization.CultureInfo.InvariantCulture);
            progress?.Invoke(name, 1, 1, "already trained");
            return load();
        }
        var sw = Stopwatch.StartNew();
        var result = train();
        timings[name] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        AtomicFile.WriteAllText(done, timings[name]!.ToJsonString());
        return result;
    }

    /// <summary>
    /// One stage's optimisation: AdamW (weight decay 10⁻⁴) with warm-up and cosine decay, gradient norm clipped at 1,
    /// a checkpoint every <see cref="PretrainConfig.CheckpointEvery"/> steps and at the end, resumed from the latest.
    /// </summary>
    void Optimise(string stage, nn.Module model, int steps, int batchSize, double peakLr, ITrainingObjective<SceneBatch> objective)
    {
        var optimizer = optim.AdamW(model.parameters(), peakLr, weight_decay: 1e-4);
        var store = new CheckpointStore(Path.Combine(Checkpoints, stage)) { ModelFile = "model.safetensors" };
        int start = 0;
        if (store.LoadLatest() is { } checkpoint)
        {
            StateDictLoader.Load(model, checkpoint.Weights, Path.Combine(checkpoint.Folder, store.ModelFile));
            using (var reader = new BinaryReader(File.OpenRead(checkpoint.OptimizerPath))) optimizer.load_state_dict(reader);
            CheckpointStore.RestoreRng(checkpoint.State.TorchRngState);
            start = checkpoint.State.Step;
            progress?.Invoke(stage, start, steps, $"resumed at step {start}");
        }
        string? last = store.Latest;
        model.train();
        for (int step = start; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            LearningRate.Set(optimizer, LearningRate.WarmupCosine(step, steps, peakLr, warmup: Math.Min(100, steps / 10)));
            var batch = _data.Batch(stage, step, batchSize);
            var outcome = OptimizerStep.Run(optimizer, model.parameters(), step, microBatches: 1, maxGradNorm: 1.0, _ =>
            {
                using var generator = Seeding.Generator(StableSeed.Of(Config.Seed, stage, "draws", step));
                return (objective.Loss(batch, generator), batch.Ids);
            }, last, retrying: message => progress?.Invoke(stage, step, steps, message));
            if ((step + 1) % Config.CheckpointEvery == 0 || step + 1 == steps)
                last = store.Save(new TrainingState(step + 1, 0, null, null, CheckpointStore.SaveRng()), model, optimizer, null, isBest: false, keep: 1);
            progress?.Invoke(stage, step + 1, steps, string.Join(" ", outcome.Terms.Select(kv => $"{kv.Key.Replace(LossNames.Prefix, "")} {kv.Value:F4}")));
        }
        model.eval();
    }

    AutoencoderKL TrainVae()
    {
        Seeding.SeedEverything(Config.Seed);
        var vae = new AutoencoderKL(Config.Vae);
        Optimise("vae", vae, Config.VaeSteps, Config.VaeBatch, Config.VaeLearningRate, new VaeObjective(vae, _data));
        vae = VaeObjective.WithMeasuredScaling(vae, _data);
        DiffusersFolder.SaveVae(vae, Path.Combine(output, "vae"));
        return vae;
    }

    bool TrainClip()
    {
        Seeding.SeedEverything(Config.Seed + 1);
        var config = Config.ClipFor(_tokenizer);
        var clip = new ClipModel(config);
        // Half the batch are scenes, half their shape twins.
        Optimise("clip", clip, Config.ClipSteps, Config.ClipBatch / 2, Config.ClipLearningRate, new ClipObjective(clip, _data, _tokenizer));
        ClipCheckpoints.SaveModel(clip, Path.Combine(output, "clip"));
        var text = new ClipTextModel(config.Text);
        StateDictLoader.Load(text, clip.state_dict().Where(kv => kv.Key.StartsWith("text_model.", StringComparison.Ordinal)).ToDictionary(), "clip text tower");
        DiffusersFolder.SaveTextEncoder(text, Path.Combine(output, "text_encoder"));
        return true;
    }

    /// <summary>Scaled latents of every scene (computed once: the VAE is frozen after its stage).</summary>
    Tensor Latents(AutoencoderKL vae)
    {
        if (_latents is not null) return _latents;
        vae.eval();
        using var _ = no_grad();
        var chunks = new List<Tensor>();
        for (int i = 0; i < _data.Scenes.Length; i += 256)
            chunks.Add(vae.EncodeImages(_data.Images[i..Math.Min(_data.Scenes.Length, i + 256)]) * vae.Config.ScalingFactor);
        _latents = cat(chunks, 0);
        _latents.DetachFromDisposeScope();
        return _latents;
    }

    ClipTextModel TextEncoder()
    {
        var text = ClipCheckpoints.LoadTextModel(Path.Combine(output, "text_encoder"));
        text.eval();
        return text;
    }

    UNet2DConditionModel TrainUnet(AutoencoderKL vae)
    {
        Seeding.SeedEverything(Config.Seed + 2);
        var scheduler = new SchedulerConfig { ClassName = "DDPMScheduler", PredictionType = Config.PredictionType };
        var unet = new UNet2DConditionModel(Config.Unet);
        Optimise("unet", unet, Config.UnetSteps, Config.UnetBatch, Config.UnetLearningRate,
            new TextToImageObjective(unet, TextEncoder(), _tokenizer, Latents(vae), _data, new NoiseSchedule(scheduler)));
        DiffusersFolder.SaveUNet(unet, Path.Combine(output, "unet"));
        DiffusersFolder.SaveSchedulerConfig(scheduler, Path.Combine(output, "scheduler"));
        return unet;
    }

    bool TrainEditor(AutoencoderKL vae, UNet2DConditionModel unet)
    {
        Seeding.SeedEverything(Config.Seed + 3);
        var schedule = new NoiseSchedule(DiffusersFolder.LoadSchedulerConfig(Path.Combine(output, "scheduler")));
        var editor = UNet2DConditionModel.WidenInput(unet, 2 * vae.Config.LatentChannels);
        Optimise("editor", editor, Config.EditorSteps, Config.EditorBatch, Config.EditorLearningRate,
            new EditorObjective(editor, TextEncoder(), _tokenizer, Latents(vae), _data, schedule, vae.Config.ScalingFactor));
        DiffusersFolder.SaveUNet(editor, Path.Combine(output, "editor"));
        return true;
    }
}
