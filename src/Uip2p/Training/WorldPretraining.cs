using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using Uip2p.Checkpoints;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using Uip2p.World;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>Sizes and budgets of the world's pretrained components (defaults fit a 2-core machine in ~15 minutes).</summary>
public sealed record PretrainConfig
{
    public int Seed { get; init; } = 1;
    public int ImageSize { get; init; } = 64;
    /// <summary>Rendered training scenes (captions are drawn anew each time a scene is used).</summary>
    public int Scenes { get; init; } = 4000;
    public int VaeSteps { get; init; } = 1200;
    public int VaeBatch { get; init; } = 16;
    public double VaeLearningRate { get; init; } = 2e-3;
    public int ClipSteps { get; init; } = 1500;
    public int ClipBatch { get; init; } = 96;
    public double ClipLearningRate { get; init; } = 1e-3;
    public int UnetSteps { get; init; } = 2000;
    public int UnetBatch { get; init; } = 32;
    public double UnetLearningRate { get; init; } = 1e-3;
    public double CaptionDropout { get; init; } = 0.1;
    public int CheckpointEvery { get; init; } = 200;

    /// <summary>Factor-8 VAE, 4 latent channels: 64×64 → 8×8×4.</summary>
    public AutoencoderKLConfig Vae { get; init; } = new()
    {
        BlockOutChannels = [16, 32, 64, 64], LayersPerBlock = 1, LatentChannels = 4, NormNumGroups = 8, SampleSize = 64,
    };

    /// <summary>ViT vision tower (8-px patches) and a text tower over the world's vocabulary (32 tokens).</summary>
    public ClipConfig Clip { get; init; } = new()
    {
        ProjectionDim = 64,
        Text = new ClipTextConfig { HiddenSize = 64, IntermediateSize = 256, NumHiddenLayers = 3, NumAttentionHeads = 4, MaxPositionEmbeddings = WorldTokenizer.ContextLength, ProjectionDim = 64 },
        Vision = new ClipVisionConfig { HiddenSize = 96, IntermediateSize = 384, NumHiddenLayers = 3, NumAttentionHeads = 4, ImageSize = 64, PatchSize = 8, ProjectionDim = 64 },
    };

    /// <summary>The text-to-image UNet on 8×8×4 latents (4 input channels: the world's "Stable Diffusion").</summary>
    public UNet2DConditionConfig Unet { get; init; } = new()
    {
        SampleSize = 8, InChannels = 4, OutChannels = 4, BlockOutChannels = [32, 64, 64], LayersPerBlock = [1, 1, 1], TransformerLayersPerBlock = [1, 1, 1],
        DownBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        UpBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        CrossAttentionDim = [64, 64, 64], NumAttentionHeads = [4, 4, 4], NormNumGroups = 32,
    };
}

/// <summary>
/// Pretrains the world's components with the real classes and writes them as a diffusers-layout folder:
/// <c>vae/</c> (reconstruction + tiny KL), <c>clip/</c> (contrastive CLIP, for losses and metrics),
/// <c>text_encoder/</c> + <c>tokenizer/</c> (the CLIP text tower), <c>unet/</c> + <c>scheduler/</c> (DDPM
/// text-to-image with caption dropout). Each stage checkpoints every few hundred steps and a rerun resumes
/// where it stopped; a finished stage is skipped.
/// </summary>
public sealed class WorldPretraining(PretrainConfig config, string output, Action<string, int, int, string>? progress = null)
{
    public PretrainConfig Config { get; } = config;
    string Checkpoints => Path.Combine(output, "checkpoints");

    Tensor _images = null!;     // [N,3,H,W] in [0,1]
    Scene[] _scenes = [];
    ClipTokenizer _tokenizer = null!;

    public void Run()
    {
        Directory.CreateDirectory(output);
        Directory.CreateDirectory(Checkpoints);
        WorldTokenizer.Write(Path.Combine(output, "tokenizer"));
        _tokenizer = ClipTokenizer.FromFolder(Path.Combine(output, "tokenizer"));
        RenderScenes();
        var timings = new JsonObject();
        var vae = Stage("vae", timings, TrainVae, () => DiffusersFolder.LoadVae(Path.Combine(output, "vae")));
        var clip = Stage("clip", timings, TrainClip, () => ClipCheckpoints.LoadModel(Path.Combine(output, "clip")));
        Stage("unet", timings, () => TrainUnet(vae, clip), () => true);
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
            progress?.Invoke(name, 1, 1, "already trained");
            return load();
        }
        var sw = Stopwatch.StartNew();
        var result = train();
        timings[name] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        AtomicFile.WriteAllText(done, timings[name]!.ToJsonString());
        return result;
    }

    void RenderScenes()
    {
        var random = new Random(Config.Seed);
        _scenes = Enumerable.Range(0, Config.Scenes).Select(_ => Scene.Random(random)).ToArray();
        var pixels = new float[Config.Scenes * 3 * Config.ImageSize * Config.ImageSize];
        Parallel.For(0, Config.Scenes, i =>
        {
            var rgb = Renderer.RenderRgb(_scenes[i], Config.ImageSize);
            Array.Copy(rgb, 0, pixels, (long)i * rgb.Length, rgb.Length);
        });
        _images = tensor(pixels, [Config.Scenes, 3, Config.ImageSize, Config.ImageSize]);
        _images.DetachFromDisposeScope();
    }

    /// <summary>A batch of scene indices for a step (deterministic from seed, stage and step, so a resumed stage sees the same batches).</summary>
    int[] BatchIndices(string stage, int step, int batch)
    {
        var random = new Random(HashCode.Combine(Config.Seed, stage, step));
        return Enumerable.Range(0, batch).Select(_ => random.Next(_scenes.Length)).ToArray();
    }

    Tensor Images(int[] idx) => _images.index_select(0, tensor(idx.Select(i => (long)i).ToArray()));

    /// <summary>Runs a stage's optimisation with resumable checkpoints (model weights, optimizer state, step).</summary>
    void Optimise(string stage, nn.Module model, int steps, double peakLr, Func<int, (Tensor Loss, string Info)> loss)
    {
        var optimizer = optim.AdamW(model.parameters(), peakLr, weight_decay: 1e-4);
        string weights = Path.Combine(Checkpoints, stage + ".safetensors"), state = Path.Combine(Checkpoints, stage + ".optimizer"), meta = Path.Combine(Checkpoints, stage + ".json");
        int start = 0;
        if (File.Exists(meta) && File.Exists(weights) && File.Exists(state))
        {
            StateDictLoader.Load(model, SafetensorsFile.Load(weights), weights);
            using (var reader = new BinaryReader(File.OpenRead(state))) optimizer.load_state_dict(reader);
            start = JsonNode.Parse(File.ReadAllText(meta))!["step"]!.GetValue<int>();
            progress?.Invoke(stage, start, steps, $"resumed at step {start}");
        }
        model.train();
        for (int step = start; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            LearningRate.Set(optimizer, LearningRate.WarmupCosine(step, steps, peakLr, warmup: Math.Min(100, steps / 10)));
            optimizer.zero_grad();
            var (value, info) = loss(step);
            float v = value.item<float>();
            if (!float.IsFinite(v)) throw new InvalidOperationException($"Pretraining stage '{stage}': the loss is {v} at step {step}.");
            value.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            if ((step + 1) % Config.CheckpointEvery == 0 || step + 1 == steps)
            {
                SafetensorsFile.Save(weights, model.state_dict());
                AtomicFile.Write(state, s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); optimizer.save_state_dict(w); });
                AtomicFile.WriteAllText(meta, new JsonObject { ["step"] = step + 1 }.ToJsonString());
            }
            progress?.Invoke(stage, step + 1, steps, $"loss {v:F4} {info}");
        }
        model.eval();
    }

    AutoencoderKL TrainVae()
    {
        Seeding.SeedEverything(Config.Seed);
        var vae = new AutoencoderKL(Config.Vae);
        Optimise("vae", vae, Config.VaeSteps, Config.VaeLearningRate, step =>
        {
            var x = Images(BatchIndices("vae", step, Config.VaeBatch)) * 2 - 1;
            using var posterior = vae.Encode(x);
            // The posterior mean plus a little noise (σ 0.05), as a near-deterministic autoencoder: sampling
            // with the initial unit std would bury the few latent numbers in noise and learn a blur. The
            // noise keeps the decoder robust to the diffusion model's errors; a tiny KL keeps latents tame.
            var z = posterior.Mean + 0.05 * randn_like(posterior.Mean);
            var recon = vae.Decode(z);
            var kl = 0.5 * (posterior.Mean.square() + posterior.LogVar.exp() - 1 - posterior.LogVar).mean();
            var loss = (recon - x).abs().mean() + (recon - x).square().mean() + 1e-6 * kl;
            return (loss, "");
        });
        // Latents of unit variance, as SD's 0.18215 gives: measure the spread of the posterior means.
        using (no_grad())
        {
            using var posterior = vae.Encode(Images(Enumerable.Range(0, Math.Min(512, _scenes.Length)).ToArray()) * 2 - 1);
            double std = posterior.Mean.std().item<float>();
            var scaled = new AutoencoderKL(Config.Vae with { ScalingFactor = Math.Round(1 / std, 5) });
            StateDictLoader.Load(scaled, vae.state_dict(), "vae");
            vae = scaled;
        }
        vae.eval();
        DiffusersFolder.SaveVae(vae, Path.Combine(output, "vae"));
        return vae;
    }

    ClipModel TrainClip()
    {
        Seeding.SeedEverything(Config.Seed + 1);
        var config = Config.Clip with { Text = Config.Clip.Text with { VocabSize = _tokenizer.VocabularySize, BosTokenId = _tokenizer.StartId, EosTokenId = _tokenizer.EndId, PadTokenId = _tokenizer.PadId } };
        var clip = new ClipModel(config);
        Optimise("clip", clip, Config.ClipSteps, Config.ClipLearningRate, step =>
        {
            var idx = BatchIndices("clip", step, Config.ClipBatch);
            var random = new Random(HashCode.Combine(Config.Seed, "captions", step));
            // Distinct scenes in a batch: duplicate captions would be false negatives.
            var captions = idx.Select(i => Captioner.Caption(_scenes[i], random)).ToList();
            var images = Shift(Images(idx), random);
            var ids = _tokenizer.EncodeBatch(captions);
            var logits = clip.forward(ClipPreprocessing.Normalize(images, ClipPreprocessing.Mean, ClipPreprocessing.Std), ids);
            var same = SameSceneMask(idx);
            var loss = (SoftCrossEntropy(logits, same) + SoftCrossEntropy(logits.T, same.T)) / 2;
            var accuracy = logits.argmax(1).eq(arange(idx.Length)).to(ScalarType.Float32).mean().item<float>();
            return (loss, $"batch top-1 {accuracy:P0}");
        });
        ClipCheckpoints.SaveModel(clip, Path.Combine(output, "clip"));
        var text = new ClipTextModel(config.Text);
        StateDictLoader.Load(text, clip.state_dict().Where(kv => kv.Key.StartsWith("text_model.", StringComparison.Ordinal)).ToDictionary(), "clip text tower");
        DiffusersFolder.SaveTextEncoder(text, Path.Combine(output, "text_encoder"));
        return clip;
    }

    // Identical scenes drawn twice into one batch are positives for each other.
    Tensor SameSceneMask(int[] idx)
    {
        var m = new float[idx.Length * idx.Length];
        for (int i = 0; i < idx.Length; i++)
            for (int j = 0; j < idx.Length; j++)
                m[i * idx.Length + j] = idx[i] == idx[j] ? 1 : 0;
        var t = tensor(m, [idx.Length, idx.Length]);
        return t / t.sum(1, keepdim: true);
    }

    static Tensor SoftCrossEntropy(Tensor logits, Tensor targets) => -(targets * logits.log_softmax(1)).sum(1).mean();

    /// <summary>±2 px random translation (edge-replicated), so CLIP reads layout, not exact pixels.</summary>
    static Tensor Shift(Tensor images, Random random)
    {
        int dx = random.Next(-2, 3), dy = random.Next(-2, 3);
        if (dx == 0 && dy == 0) return images;
        var padded = nn.functional.pad(images, [2, 2, 2, 2], PaddingModes.Replicate);
        long h = images.shape[2], w = images.shape[3];
        return padded[.., .., (2 + dy)..(2 + dy + (int)h), (2 + dx)..(2 + dx + (int)w)];
    }

    bool TrainUnet(AutoencoderKL vae, ClipModel clip)
    {
        Seeding.SeedEverything(Config.Seed + 2);
        var scheduler = new SchedulerConfig { ClassName = "DDPMScheduler" };
        var schedule = new NoiseSchedule(scheduler);
        var text = ClipCheckpoints.LoadTextModel(Path.Combine(output, "text_encoder"));
        vae.eval();
        text.eval();
        // Latents of every scene once (the VAE is frozen from here on).
        Tensor latents;
        using (no_grad())
        {
            var chunks = new List<Tensor>();
            for (int i = 0; i < _scenes.Length; i += 256)
            {
                using var posterior = vae.Encode(_images[i..Math.Min(_scenes.Length, i + 256)] * 2 - 1);
                chunks.Add(posterior.Mode() * vae.Config.ScalingFactor);
            }
            latents = cat(chunks, 0);
            latents.DetachFromDisposeScope();
        }
        var unet = new UNet2DConditionModel(Config.Unet);
        Optimise("unet", unet, Config.UnetSteps, Config.UnetLearningRate, step =>
        {
            var idx = BatchIndices("unet", step, Config.UnetBatch);
            var random = new Random(HashCode.Combine(Config.Seed, "t2i", step));
            var captions = idx.Select(i => random.NextDouble() < Config.CaptionDropout ? "" : Captioner.Caption(_scenes[i], random)).ToList();
            Tensor context;
            using (no_grad()) context = text.call(_tokenizer.EncodeBatch(captions)).LastHiddenState;
            var x0 = latents.index_select(0, tensor(idx.Select(i => (long)i).ToArray()));
            var noise = randn_like(x0);
            var t = randint(0, schedule.Length, [idx.Length], dtype: ScalarType.Int64);
            var eps = unet.Forward(schedule.AddNoise(x0, noise, t), t, context);
            // L_simple = ‖ε̂ − ε‖² (mean over elements), DDPM's objective.
            return ((eps - noise).square().mean(), "");
        });
        DiffusersFolder.SaveUNet(unet, Path.Combine(output, "unet"));
        DiffusersFolder.SaveSchedulerConfig(scheduler, Path.Combine(output, "scheduler"));
        return true;
    }
}
