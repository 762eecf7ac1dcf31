using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using Uip2p.Checkpoints;
using Uip2p.IO;
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
    public int VaeSteps { get; init; } = 1500;
    /// <summary>Batch 8: on 2 cores PSNR per second of training is the same as with 16, and the steps are cheaper to checkpoint.</summary>
    public int VaeBatch { get; init; } = 8;
    public double VaeLearningRate { get; init; } = 2e-3;
    /// <summary>Extra weight of object pixels in the VAE's reconstruction loss (background pixels weigh 1).</summary>
    public double VaeObjectWeight { get; init; } = 10;
    /// <summary>
    /// Most objects in a VAE training scene (the world's captioned scenes have 1–3; null trains on those).
    /// Denser scenes put more object pixels — what the decoder finds hard — into every step, and the
    /// backgrounds stay visible between them.
    /// </summary>
    public int? VaeMaxObjects { get; init; } = 9;
    /// <summary>
    /// Noise added to the posterior mean while the VAE trains, as a fraction of the batch's latent spread.
    /// The decoder must draw sensible images from slightly wrong latents — what a diffusion model's samples
    /// and one-step x̂₀ predictions are. (A fixed σ does not do it: the encoder simply grows its latents.)
    /// </summary>
    public double VaeLatentNoise { get; init; } = 0.2;
    public int ClipSteps { get; init; } = 1200;
    /// <summary>Half the batch are scenes, half their shape twins (the same scene with one object's shape changed).</summary>
    public int ClipBatch { get; init; } = 96;
    public double ClipLearningRate { get; init; } = 1e-3;
    public int UnetSteps { get; init; } = 1500;
    public int UnetBatch { get; init; } = 32;
    /// <summary>2e-3: at 1e-3 the UNet follows its captions far less in the same steps (text-to-image 54.7 % vs 65.6 %).</summary>
    public double UnetLearningRate { get; init; } = 2e-3;
    public double CaptionDropout { get; init; } = 0.1;
    /// <summary>
    /// Share of rendered scenes (VAE, CLIP, UNet and editor data) shown in black and white: grayscale edits and their
    /// reverses start or end there, and a VAE that never saw grey objects decodes them pink, purple or green.
    /// </summary>
    public double GrayscaleShare { get; init; } = 0.15;
    /// <summary>
    /// The UNets' training target, written into <c>scheduler/</c>: <c>v_prediction</c> gives one-step x̂₀ that
    /// CEC decodes without ε-prediction's 1/√ᾱ_t error growth (11× at t = 950); <c>epsilon</c> is DDPM's.
    /// </summary>
    public string PredictionType { get; init; } = "v_prediction";
    /// <summary>Steps of the editor stage: the text-to-image UNet widened to 8 channels and taught to reproduce its input.</summary>
    public int EditorSteps { get; init; } = 1000;
    public int EditorBatch { get; init; } = 32;
    public double EditorLearningRate { get; init; } = 5e-4;
    /// <summary>
    /// Share of the editor stage's image-conditioned rows that carry a real instruction (the rest an empty one);
    /// either way the target is the input. The start then ignores what it is told — instruction guidance adds
    /// nothing and the scene stays — and editing training only has to teach what an instruction changes.
    /// </summary>
    public double EditorInstructionShare { get; init; } = 0.5;
    public int CheckpointEvery { get; init; } = 200;

    /// <summary>
    /// This config with <c>key=value</c> overrides of its scalar settings, keys in snake_case as
    /// <c>uip2p train --set</c> takes them (<c>vae_steps=2200</c>, <c>vae_max_objects=null</c>).
    /// </summary>
    public PretrainConfig With(IEnumerable<string> assignments)
    {
        var list = assignments.ToList();
        if (list.Count == 0) return this;
        var root = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        foreach (string assignment in list)
        {
            var change = new JsonObject();
            JsonSettings.Override(change, assignment, typeof(PretrainConfig));
            JsonSettings.Validate(change, typeof(PretrainConfig), $"--set '{assignment}'");
            JsonSettings.Merge(root, change);
        }
        return root.Deserialize<PretrainConfig>(Json)!;
    }

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Factor-4 VAE, 4 latent channels: 64×64 → 16×16×4. (Factor 8 kept 25 dB and lost shapes; 16 latent channels on
    /// the 8×8 grid — the same 1,024 numbers — only reached 26.6 dB: the finer grid is what helps.)
    /// </summary>
    public AutoencoderKLConfig Vae { get; init; } = new()
    {
        BlockOutChannels = [16, 32, 64], LayersPerBlock = 1, LatentChannels = 4, NormNumGroups = 8, SampleSize = 64,
    };

    /// <summary>ViT vision tower (8-px patches) and a text tower over the world's vocabulary (32 tokens).</summary>
    public ClipConfig Clip { get; init; } = new()
    {
        ProjectionDim = 64,
        Text = new ClipTextConfig { HiddenSize = 64, IntermediateSize = 256, NumHiddenLayers = 3, NumAttentionHeads = 4, MaxPositionEmbeddings = WorldTokenizer.ContextLength, ProjectionDim = 64 },
        Vision = new ClipVisionConfig { HiddenSize = 96, IntermediateSize = 384, NumHiddenLayers = 3, NumAttentionHeads = 4, ImageSize = 64, PatchSize = 8, ProjectionDim = 64 },
    };

    /// <summary>The text-to-image UNet on 16×16×4 latents (4 input channels: the world's "Stable Diffusion").</summary>
    public UNet2DConditionConfig Unet { get; init; } = new()
    {
        SampleSize = 16, InChannels = 4, OutChannels = 4, BlockOutChannels = [32, 64, 64], LayersPerBlock = [1, 1, 1], TransformerLayersPerBlock = [1, 1, 1],
        DownBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        UpBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        CrossAttentionDim = [64, 64, 64], NumAttentionHeads = [4, 4, 4], NormNumGroups = 32,
    };
}

/// <summary>
/// Pretrains the world's components with the real classes and writes them as a diffusers-layout folder:
/// <c>vae/</c> (reconstruction + tiny KL), <c>clip/</c> (contrastive CLIP, for losses and metrics),
/// <c>text_encoder/</c> + <c>tokenizer/</c> (the CLIP text tower), <c>unet/</c> + <c>scheduler/</c> (DDPM
/// text-to-image with caption dropout) and <c>editor/</c> (that UNet widened to 8 channels and taught to
/// reproduce its input: the start of every editing run). Each stage checkpoints every few hundred steps and a rerun resumes
/// where it stopped; a finished stage is skipped.
/// </summary>
public sealed class WorldPretraining(PretrainConfig config, string output, Action<string, int, int, string>? progress = null)
{
    public PretrainConfig Config { get; } = config;
    string Checkpoints => Path.Combine(output, "checkpoints");

    Tensor _images = null!;     // [N,3,H,W] in [0,1]
    Scene[] _scenes = [];
    Tensor _twinImages = null!; // the shape twins (CLIP's hard negatives)
    Scene[] _twins = [];
    Tensor? _latents;           // scaled VAE latents of every scene, once the VAE is trained
    Tensor _vaeImages = null!;  // the VAE's training scenes (up to VaeMaxObjects objects)
    Tensor _objects = null!;    // [N,1,H,W]: 1 where an object of a VAE scene is drawn (pixels that differ from the bare background)
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
        var unet = Stage("unet", timings, () => TrainUnet(vae), () => DiffusersFolder.LoadUNet(Path.Combine(output, "unet")));
        Stage("editor", timings, () => TrainEditor(vae, unet), () => true);
        DiffusersFolder.SaveIndex(output, "DDPMScheduler", "StableDiffusionPipeline");
        AtomicFile.WriteAllText(Path.Combine(output, "pretrain.json"), new JsonObject
        {
            ["config"] = JsonSerializer.SerializeToNode(Config with { }, new JsonSerializerOptions { WriteIndented = true }),
            ["seconds"] = timings,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// Copies a pretrained folder (without its checkpoints) to <paramref name="target"/> with every weight
    /// stored in float16 — half the bytes, loaded into float32 models by the same loaders — measures the
    /// copy's quality bars and records them in <c>quality.json</c> (what the regression test holds it to).
    /// </summary>
    public static WorldQualityReport Ship(string source, string target)
    {
        string temp = target.TrimEnd('/') + $".partial-{Guid.NewGuid():N}";
        foreach (string dir in Directory.GetDirectories(source).Where(d => Path.GetFileName(d) != "checkpoints"))
        {
            string to = Path.Combine(temp, Path.GetFileName(dir));
            Directory.CreateDirectory(to);
            foreach (string file in Directory.GetFiles(dir))
            {
                string dest = Path.Combine(to, Path.GetFileName(file));
                if (file.EndsWith(".safetensors", StringComparison.Ordinal))
                    SafetensorsFile.Save(dest, SafetensorsFile.Load(file).ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to(ScalarType.Float16) : kv.Value));
                else File.Copy(file, dest);
            }
        }
        foreach (string file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(temp, Path.GetFileName(file)));
        var report = WorldQuality.Evaluate(temp);
        AtomicFile.WriteAllText(Path.Combine(temp, "quality.json"), report.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(temp, target);
        return report;
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

    void RenderScenes()
    {
        var random = new Random(Config.Seed);
        _scenes = Enumerable.Range(0, Config.Scenes).Select(_ => Grey(Scene.Random(random), random)).ToArray();
        _images = Render(_scenes);
        var vaeScenes = _scenes;
        _vaeImages = _images;
        if (Config.VaeMaxObjects is int most)
        {
            var vaeRandom = new Random(StableSeed.Of(Config.Seed, "vae-scenes"));
            vaeScenes = _scenes.Select(_ => Grey(Scene.Random(vaeRandom, vaeRandom.Next(1, most + 1)), vaeRandom)).ToArray();
            _vaeImages = Render(vaeScenes);
        }
        using (var background = Render(vaeScenes.Select(s => s with { Objects = [] }).ToArray()))
            _objects = (_vaeImages - background).abs().amax([1], keepdim: true).gt(1 / 255.0).to(ScalarType.Float32);
        _objects.DetachFromDisposeScope();
        _twins = _scenes.Select((s, i) => ShapeTwin(s, new Random(StableSeed.Of(Config.Seed, "twin", i)))).ToArray();
        _twinImages = Render(_twins);
    }

    Scene Grey(Scene scene, Random random) => random.NextDouble() < Config.GrayscaleShare ? scene with { Grayscale = true } : scene;

    /// <summary>Scenes rendered in parallel into one tensor <c>[N,3,H,W]</c> in [0,1], outside any dispose scope.</summary>
    Tensor Render(Scene[] scenes)
    {
        int size = Config.ImageSize;
        var pixels = new float[(long)scenes.Length * 3 * size * size];
        Parallel.For(0, scenes.Length, i =>
        {
            var rgb = Renderer.RenderRgb(scenes[i], size);
            Array.Copy(rgb, 0, pixels, (long)i * rgb.Length, rgb.Length);
        });
        var t = tensor(pixels, [scenes.Length, 3, size, size]);
        t.DetachFromDisposeScope();
        return t;
    }

    /// <summary>The same scene with one object's shape changed (colour, size and place kept): a negative only shape tells apart.</summary>
    static Scene ShapeTwin(Scene scene, Random random)
    {
        var o = scene.Objects[random.Next(scene.Objects.Count)];
        var shapes = WorldVocabulary.Shapes.Where(sh => sh != o.Shape && scene.Find(o.Colour, sh) == null).ToList();
        return shapes.Count == 0 ? scene : scene.Replace(o, o with { Shape = shapes[random.Next(shapes.Count)] });
    }

    /// <summary>A batch of scene indices for a step (deterministic from seed, stage and step, so a resumed stage sees the same batches).</summary>
    int[] BatchIndices(string stage, int step, int batch)
    {
        var random = new Random(StableSeed.Of(Config.Seed, stage, step));
        return Enumerable.Range(0, batch).Select(_ => random.Next(_scenes.Length)).ToArray();
    }

    Tensor Images(int[] idx) => Rows(_images, idx);

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
            var idx = BatchIndices("vae", step, Config.VaeBatch);
            var x = Rows(_vaeImages, idx) * 2 - 1;
            // Objects cover ~9 % of a world scene: unweighted, the decoder learns backgrounds well and
            // draws objects as blobs of the wrong colour. Object pixels weigh ObjectWeight times more.
            var weight = 1 + Config.VaeObjectWeight * Rows(_objects, idx);
            weight = weight / weight.mean([1, 2, 3], keepdim: true);
            using var posterior = vae.Encode(x);
            // The posterior mean plus noise scaled to the latents' spread, not the posterior's own std: with
            // the initial unit std the few latent numbers drown and the decoder learns a blur. The noise keeps
            // the decoder robust to the diffusion model's errors; a tiny KL keeps latents tame.
            var z = posterior.Mean + Config.VaeLatentNoise * posterior.Mean.std().detach() * randn_like(posterior.Mean);
            var recon = vae.Decode(z);
            var kl = 0.5 * (posterior.Mean.square() + posterior.LogVar.exp() - 1 - posterior.LogVar).mean();
            var loss = (weight * (recon - x).abs()).mean() + (weight * (recon - x).square()).mean() + 1e-6 * kl;
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
            var idx = BatchIndices("clip", step, Config.ClipBatch / 2);
            var random = new Random(StableSeed.Of(Config.Seed, "captions", step));
            // Scenes and their shape twins: colour and layout no longer tell a pair apart, shape must.
            var scenes = idx.Select(i => _scenes[i]).Concat(idx.Select(i => _twins[i])).ToList();
            var captions = scenes.Select(sc => Captioner.Caption(sc, random)).ToList();
            var images = Shift(cat([Images(idx), Rows(_twinImages, idx)], 0), random);
            var ids = _tokenizer.EncodeBatch(captions);
            var logits = clip.forward(ClipPreprocessing.Normalize(images, ClipPreprocessing.Mean, ClipPreprocessing.Std), ids);
            var same = SameSceneMask(scenes);
            var loss = (SoftCrossEntropy(logits, same) + SoftCrossEntropy(logits.T, same.T)) / 2;
            var accuracy = logits.argmax(1).eq(arange(scenes.Count)).to(ScalarType.Float32).mean().item<float>();
            return (loss, $"batch top-1 {accuracy:P0}");
        });
        ClipCheckpoints.SaveModel(clip, Path.Combine(output, "clip"));
        var text = new ClipTextModel(config.Text);
        StateDictLoader.Load(text, clip.state_dict().Where(kv => kv.Key.StartsWith("text_model.", StringComparison.Ordinal)).ToDictionary(), "clip text tower");
        DiffusersFolder.SaveTextEncoder(text, Path.Combine(output, "text_encoder"));
        return clip;
    }

    // Identical scenes drawn twice into one batch are positives for each other.
    static Tensor SameSceneMask(IReadOnlyList<Scene> scenes)
    {
        int n = scenes.Count;
        var m = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i * n + j] = i == j || scenes[i].SameAs(scenes[j]) ? 1 : 0;
        var t = tensor(m, [n, n]);
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

    /// <summary>Scaled latents of every scene (computed once: the VAE is frozen after its stage).</summary>
    Tensor Latents(AutoencoderKL vae)
    {
        if (_latents is not null) return _latents;
        vae.eval();
        using var _ = no_grad();
        var chunks = new List<Tensor>();
        for (int i = 0; i < _scenes.Length; i += 256)
        {
            chunks.Add(vae.EncodeImages(_images[i..Math.Min(_scenes.Length, i + 256)]) * vae.Config.ScalingFactor);
        }
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

    static Tensor Rows(Tensor all, int[] idx) => all.index_select(0, tensor(idx.Select(i => (long)i).ToArray()));

    UNet2DConditionModel TrainUnet(AutoencoderKL vae)
    {
        Seeding.SeedEverything(Config.Seed + 2);
        var scheduler = new SchedulerConfig { ClassName = "DDPMScheduler", PredictionType = Config.PredictionType };
        var schedule = new NoiseSchedule(scheduler);
        var text = TextEncoder();
        var latents = Latents(vae);
        var unet = new UNet2DConditionModel(Config.Unet);
        Optimise("unet", unet, Config.UnetSteps, Config.UnetLearningRate, step =>
        {
            var idx = BatchIndices("unet", step, Config.UnetBatch);
            var random = new Random(StableSeed.Of(Config.Seed, "t2i", step));
            var captions = idx.Select(i => random.NextDouble() < Config.CaptionDropout ? "" : Captioner.Caption(_scenes[i], random)).ToList();
            Tensor context;
            using (no_grad()) context = text.call(_tokenizer.EncodeBatch(captions)).LastHiddenState;
            var x0 = Rows(latents, idx);
            var noise = randn_like(x0);
            var t = randint(0, schedule.Length, [idx.Length], dtype: ScalarType.Int64);
            var output = unet.Forward(schedule.AddNoise(x0, noise, t), t, context);
            // L_simple = ‖ε̂ − ε‖² (mean over elements), DDPM's objective; v in place of ε for v-prediction.
            return ((output - schedule.Target(x0, noise, t)).square().mean(), "");
        });
        DiffusersFolder.SaveUNet(unet, Path.Combine(output, "unet"));
        DiffusersFolder.SaveSchedulerConfig(scheduler, Path.Combine(output, "scheduler"));
        return unet;
    }

    /// <summary>
    /// The editor every training run starts from (DESIGN §7: CEC straight from a weak text-to-image prior
    /// fails; an input-reconstruction stage fixes it): the text-to-image UNet widened to 8 channels
    /// (<see cref="UNet2DConditionModel.WidenInput"/>) and taught to denoise back to its conditioning image —
    /// no ground-truth edit involved — with an instruction of the scene's own (<see cref="PretrainConfig.EditorInstructionShare"/>)
    /// or an empty one. IP2P's two dropout branches stay trained: one row in ten keeps the text-to-image task
    /// (caption, zeroed image) and one in twenty is unconditional (empty text, zeroed image), which the
    /// dual guidance of every sampler subtracts.
    /// </summary>
    bool TrainEditor(AutoencoderKL vae, UNet2DConditionModel unet)
    {
        Seeding.SeedEverything(Config.Seed + 3);
        var schedule = new NoiseSchedule(DiffusersFolder.LoadSchedulerConfig(Path.Combine(output, "scheduler")));
        var text = TextEncoder();
        var latents = Latents(vae);
        var editor = UNet2DConditionModel.WidenInput(unet, 2 * vae.Config.LatentChannels);
        Optimise("editor", editor, Config.EditorSteps, Config.EditorLearningRate, step =>
        {
            var idx = BatchIndices("editor", step, Config.EditorBatch);
            var random = new Random(StableSeed.Of(Config.Seed, "editor", step));
            var rows = idx.Select(i => EditorRow(_scenes[i], random)).ToArray();
            Tensor context;
            using (no_grad()) context = text.call(_tokenizer.EncodeBatch(rows.Select(r => r.Prompt).ToList())).LastHiddenState;
            var x0 = Rows(latents, idx);
            var keep = tensor(rows.Select(r => r.KeepImage ? 1f : 0f).ToArray()).reshape(-1, 1, 1, 1);
            var condition = x0 / vae.Config.ScalingFactor * keep;   // IP2P's image condition is unscaled
            var noise = randn_like(x0);
            var t = randint(0, schedule.Length, [idx.Length], dtype: ScalarType.Int64);
            var output = editor.Forward(cat([schedule.AddNoise(x0, noise, t), condition], 1), t, context);
            return ((output - schedule.Target(x0, noise, t)).square().mean(), "");
        });
        DiffusersFolder.SaveUNet(editor, Path.Combine(output, "editor"));
        return true;
    }

    /// <summary>One editor-stage row: its prompt and whether the image condition is kept (the target is always the scene).</summary>
    (string Prompt, bool KeepImage) EditorRow(Scene scene, Random random)
    {
        double branch = random.NextDouble();
        if (branch < 0.10) return (Captioner.Caption(scene, random), false);   // text-to-image
        if (branch < 0.15) return ("", false);                                 // unconditional
        string instruction = random.NextDouble() < Config.EditorInstructionShare ? EditGenerator.Random(scene, random)?.Instruction ?? "" : "";
        return (instruction, true);
    }
}
