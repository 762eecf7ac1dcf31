using TorchSharp;
using Uip2p.Imaging;
using Uip2p.Models;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.Pipelines;

/// <summary>Settings of one edit (defaults as InstructPix2Pix: 100 steps, s_T 7.5, s_I 1.5, Euler-ancestral).</summary>
public sealed record EditOptions
{
    public int Steps { get; init; } = 100;
    /// <summary>s_T: how strongly the edit follows the instruction.</summary>
    public double TextGuidance { get; init; } = 7.5;
    /// <summary>s_I: how strongly the edit stays close to the input image.</summary>
    public double ImageGuidance { get; init; } = 1.5;
    /// <summary><c>euler_a</c> (default), <c>ddim</c> or <c>ddpm</c>.</summary>
    public string Sampler { get; init; } = "euler_a";
    /// <summary>Seed of the generator that draws the initial latents and the ancestral noise (bit-reproducible on CPU).</summary>
    public long Seed { get; init; }
    /// <summary>Initial Gaussian latents <c>[B,4,h,w]</c> (before the scheduler's init-noise scaling); null: drawn from the seed.</summary>
    public Tensor? InitialLatents { get; init; }
    /// <summary>Where ancestral noise comes from; null: the seeded generator.</summary>
    public INoiseSource? Noise { get; init; }
    /// <summary>
    /// 1 (default, IP2P): start from pure noise. Below 1, SDEdit-style: start from the input image's latent
    /// noised to the step a fraction <c>Strength</c> of the way from the end, and run only those steps.
    /// </summary>
    public double Strength { get; init; } = 1.0;
    /// <summary>Captures attention during the edit (the pipeline sets its step).</summary>
    public AttentionStore? Attention { get; init; }
    /// <summary>Called after every step with the step index, the timestep and the latents.</summary>
    public Action<EditStep>? OnStep { get; init; }
}

/// <summary>What the step callback sees. The tensors live until the step ends: keep one with <c>t.clone().DetachFromDisposeScope()</c>.</summary>
public sealed record EditStep(int Index, int Count, float Timestep, Tensor Latents, Tensor PredictedLatents);

/// <summary>
/// InstructPix2Pix editing as diffusers' <c>StableDiffusionInstructPix2PixPipeline</c>: the image latent
/// (VAE mode, unscaled) is concatenated to the noisy latents, and one UNet call per step over the batch
/// [text+image, image only, unconditional] is combined by <see cref="DualGuidance"/>.
/// </summary>
public sealed class InstructPix2PixPipeline
{
    public InstructPix2PixPipeline(UNet2DConditionModel unet, AutoencoderKL vae, SchedulerConfig scheduler,
        ClipTextModel? textEncoder = null, ClipTokenizer? tokenizer = null)
    {
        if (unet.Config.InChannels != 2 * vae.Config.LatentChannels)
            throw new ArgumentException(
                $"This UNet takes {unet.Config.InChannels} input channels; InstructPix2Pix needs {2 * vae.Config.LatentChannels} (noisy latents + image latents). " +
                "A text-to-image UNet must be widened first (UNet2DConditionModel.WidenInput) and trained for editing.");
        Unet = unet;
        Vae = vae;
        SchedulerConfig = scheduler;
        TextEncoder = textEncoder;
        Tokenizer = tokenizer;
    }

    public UNet2DConditionModel Unet { get; }
    public AutoencoderKL Vae { get; }
    public SchedulerConfig SchedulerConfig { get; }
    public ClipTextModel? TextEncoder { get; }
    public ClipTokenizer? Tokenizer { get; }

    /// <summary>
    /// Checks a folder is an InstructPix2Pix pipeline from its configs alone (no weights read): model_index.json,
    /// the component folders, and a UNet that takes the image latent (2× the VAE's latent channels). Returns the
    /// two model configs, which size an edit (<see cref="EditMemory"/>).
    /// </summary>
    public static (UNet2DConditionConfig Unet, AutoencoderKLConfig Vae) Inspect(string folder)
    {
        if (Directory.Exists(folder) && !File.Exists(Path.Combine(folder, "model_index.json")))
            throw new FileNotFoundException($"{folder} has no model_index.json, so it is not a diffusers pipeline folder. {WhatToPass}", Path.Combine(folder, "model_index.json"));
        DiffusersFolder.ReadIndex(folder, "unet", "vae", "text_encoder", "tokenizer", "scheduler");
        var unet = UNet2DConditionConfig.Read(ConfigReader.FromFile(DiffusersFolder.RequireFile(Path.Combine(folder, "unet"), "config.json")));
        var vae = AutoencoderKLConfig.Read(ConfigReader.FromFile(DiffusersFolder.RequireFile(Path.Combine(folder, "vae"), "config.json")));
        if (unet.InChannels != 2 * vae.LatentChannels)
            throw new ArgumentException(
                $"{folder} is not an editing model: its unet/ takes {unet.InChannels} input channels, and InstructPix2Pix needs {2 * vae.LatentChannels} " +
                "(noisy latents + the input image's latents) — it is a text-to-image pipeline (such as the world's components in data/world). " + WhatToPass);
        return (unet, vae);
    }

    const string WhatToPass =
        "Pass an InstructPix2Pix folder: the model/ folder of a training run (uip2p train → runs/NAME/model) or of the demo (demo-report/runs/uip2p/model), " +
        "or a diffusers InstructPix2Pix checkpoint such as timbrooks/instruct-pix2pix.";

    /// <summary>Loads a diffusers InstructPix2Pix folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/).</summary>
    public static InstructPix2PixPipeline Load(string folder, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        Inspect(folder);
        var unet = DiffusersFolder.LoadUNet(Path.Combine(folder, "unet"), dtype);
        var vae = DiffusersFolder.LoadVae(Path.Combine(folder, "vae"), dtype);
        var text = ClipCheckpoints.LoadTextModel(Path.Combine(folder, "text_encoder"), dtype);
        var tokenizer = DiffusersFolder.LoadTokenizer(Path.Combine(folder, "tokenizer"));
        var scheduler = DiffusersFolder.LoadSchedulerConfig(Path.Combine(folder, "scheduler"));
        var pipeline = new InstructPix2PixPipeline(unet, vae, scheduler, text, tokenizer);
        if (device != null) pipeline.To(device);
        return pipeline;
    }

    /// <summary>Writes the pipeline as a diffusers folder that <see cref="Load"/> (and diffusers) read.</summary>
    public void Save(string folder, string tokenizerSource)
    {
        DiffusersFolder.SaveUNet(Unet, Path.Combine(folder, "unet"));
        DiffusersFolder.SaveVae(Vae, Path.Combine(folder, "vae"));
        if (TextEncoder != null) DiffusersFolder.SaveTextEncoder(TextEncoder, Path.Combine(folder, "text_encoder"));
        DiffusersFolder.SaveTokenizer(tokenizerSource, Path.Combine(folder, "tokenizer"));
        DiffusersFolder.SaveSchedulerConfig(SchedulerConfig, Path.Combine(folder, "scheduler"));
        DiffusersFolder.SaveIndex(folder, SchedulerConfig.ClassName);
    }

    public Device Device => Unet.parameters().First().device;

    public InstructPix2PixPipeline To(Device device)
    {
        Unet.to(device);
        Vae.to(device);
        TextEncoder?.to(device);
        return this;
    }

    /// <summary>Per-token text states <c>[N, 77, D]</c> for the UNet's cross-attention.</summary>
    public Tensor EncodePrompts(IReadOnlyList<string> prompts)
    {
        if (TextEncoder == null || Tokenizer == null) throw new InvalidOperationException("This pipeline has no text encoder/tokenizer; pass prompt embeddings instead.");
        using var ids = Tokenizer.EncodeBatch(prompts).to(Device);
        using var states = TextEncoder.call(ids);
        return states.LastHiddenState.alias();
    }

    /// <summary>
    /// Edits images <c>[B,3,H,W]</c> in [0,1] by one instruction each (or one for all); returns images in [0,1]
    /// of the size floored to a multiple of the VAE factor.
    /// </summary>
    public Tensor Edit(Tensor images, IReadOnlyList<string> instructions, EditOptions? options = null)
    {
        options ??= new EditOptions();
        long b = images.shape[0];
        if (instructions.Count != 1 && instructions.Count != b)
            throw new ArgumentException($"{instructions.Count} instructions for {b} images: give one, or one per image.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var prompts = instructions.Count == 1 ? Enumerable.Repeat(instructions[0], (int)b).ToList() : instructions.ToList();
        var promptEmbeds = EncodePrompts(prompts);
        var negativeEmbeds = EncodePrompts(Enumerable.Repeat("", (int)b).ToList());
        int f = Vae.Config.DownsampleFactor;
        var x = ImageOps.ResizeToMultiple(images.to(ScalarType.Float32).to(Device), f).to(promptEmbeds.dtype);
        var result = EditWithEmbeddings(x, promptEmbeds, negativeEmbeds, options);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The denoising loop given text states directly (the step diffusers' pipeline runs after its prompt
    /// encoding): images in [0,1] with sides multiple of the VAE factor.
    /// </summary>
    public Tensor EditWithEmbeddings(Tensor images01, Tensor promptEmbeds, Tensor negativeEmbeds, EditOptions options)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var scheduler = SchedulerFactory.Create(options.Sampler, SchedulerConfig);
        scheduler.SetTimesteps(options.Steps);
        using var generator = Seeding.Generator(options.Seed);
        var noise = options.Noise ?? new GeneratorNoise(generator);

        var imageLatents = EncodeImageLatents(images01);
        long b = imageLatents.shape[0];
        var latentShape = new[] { b, Vae.Config.LatentChannels, imageLatents.shape[2], imageLatents.shape[3] };
        var initial = options.InitialLatents?.to(imageLatents.dtype, Device) ?? new GeneratorNoise(generator).Next(latentShape, imageLatents.dtype, Device);
        if (!initial.shape.SequenceEqual(latentShape))
            throw new ArgumentException($"Initial latents have shape [{string.Join(",", initial.shape)}], this edit needs [{string.Join(",", latentShape)}].");
        var latents = initial * scheduler.InitNoiseSigma;
        int first = 0;
        if (options.Strength < 1)
        {
            if (options.Strength <= 0) throw new ArgumentException($"Strength {options.Strength}: use a value in (0, 1].");
            first = scheduler.Timesteps.Count - Math.Max(1, (int)(scheduler.Timesteps.Count * options.Strength));
            latents = scheduler.NoiseTo(imageLatents * Vae.Config.ScalingFactor, initial, first);
        }

        var context = cat([promptEmbeds, negativeEmbeds, negativeEmbeds], 0);
        var imageCondition = cat([imageLatents, imageLatents, zeros_like(imageLatents)], 0);
        for (int i = first; i < scheduler.Timesteps.Count; i++)
        {
            using var stepScope = NewDisposeScope();
            float t = scheduler.Timesteps[i];
            if (options.Attention != null) options.Attention.CurrentStep = i;
            var input = cat([scheduler.ScaleModelInput(cat([latents, latents, latents], 0), i), imageCondition], 1);
            var eps = Unet.Forward(input, tensor(t, dtype: ScalarType.Float32, device: Device), context).chunk(3, 0);
            var guided = DualGuidance.Combine(eps[0], eps[1], eps[2], options.TextGuidance, options.ImageGuidance);
            var step = scheduler.Step(guided, i, latents, noise);
            options.OnStep?.Invoke(new EditStep(i, scheduler.Timesteps.Count, t, step.PrevSample, step.PredOriginalSample));
            latents = step.PrevSample.MoveToOuterDisposeScope();
        }
        return DecodeLatents(latents).MoveToOuterDisposeScope();
    }

    /// <summary>IP2P's image condition: <c>vae.encode(2x − 1).mode()</c>, not scaled (DESIGN §2).</summary>
    public Tensor EncodeImageLatents(Tensor images01) => Vae.EncodeImages(images01);

    /// <summary>UNet latents → images in [0,1]: <c>clamp(vae.decode(z / scaling)/2 + 0.5, 0, 1)</c>.</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        using var raw = DecodeRaw(latents);
        return (raw / 2 + 0.5).clamp(0, 1);
    }

    /// <summary><c>vae.decode(z / scaling)</c> before clamping (in about [−1,1]).</summary>
    public Tensor DecodeRaw(Tensor latents)
    {
        using var scaled = latents / Vae.Config.ScalingFactor;
        return Vae.Decode(scaled);
    }
}
