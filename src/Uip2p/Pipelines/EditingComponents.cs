using TorchSharp;
using Uip2p.Models;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.Pipelines;

/// <summary>
/// The frozen parts of instruction-editing training, loaded from a components folder in the diffusers
/// layout (<c>vae/</c>, <c>text_encoder/</c>, <c>tokenizer/</c>, <c>scheduler/</c>; a Stable Diffusion or
/// InstructPix2Pix folder is one) plus the full CLIP of the losses: <c>clip/</c> in that folder (the world's
/// components), or a separate CLIP folder, since diffusers folders carry none. Its tokenizer is the one given,
/// else the CLIP folder's own (its files or <c>tokenizer/</c>), else the pipeline's (SD's is CLIP's BPE).
/// Only CEC needs the CLIP; supervised training and editing run without one. The trainable UNet comes from
/// <see cref="LoadEditor"/>.
/// </summary>
public sealed class EditingComponents
{
    static readonly string[] Parts = ["vae", "text_encoder", "tokenizer", "scheduler"];

    public required string Folder { get; init; }
    public required AutoencoderKL Vae { get; init; }
    public required ClipTextModel TextEncoder { get; init; }
    public required ClipTokenizer Tokenizer { get; init; }
    /// <summary>The CLIP of L_CLIP, L_sim and L_recon; null when none was found or given.</summary>
    public ClipModel? LossClip { get; init; }
    public required ClipTokenizer ClipTokenizer { get; init; }
    public required SchedulerConfig Scheduler { get; init; }
    public required NoiseSchedule Schedule { get; init; }

    /// <summary>The loss CLIP; asking for it when there is none is the error that names what to give.</summary>
    public ClipModel Clip => LossClip ?? throw new InvalidOperationException(MissingClip(Folder));

    /// <summary>The CLIP folder used: <paramref name="clip"/> when given, else <c>clip/</c> of the components folder when it has one.</summary>
    public static string? ClipFolder(string folder, string? clip) =>
        clip ?? (Directory.Exists(Path.Combine(folder, "clip")) ? Path.Combine(folder, "clip") : null);

    static string MissingClip(string folder) =>
        $"CEC needs a CLIP model for L_CLIP and L_sim, and there is none: {folder} has no clip/ and the config sets no 'clip'. " +
        "Set \"clip\" to a CLIP folder (transformers CLIPModel such as openai/clip-vit-large-patch14, the paper's, or an openai state dict) " +
        "and \"clip_tokenizer\" when it has no tokenizer of its own; supervised training needs none.";

    /// <summary>
    /// Checks a components folder from its configs alone (no weights loaded), so that a bad run fails before it
    /// reads gigabytes: the parts exist, the UNet to train takes the latent (to be widened) or latent + image
    /// latent channels, <paramref name="resolution"/> is a multiple of the VAE's downsampling factor, and a CLIP
    /// is there when <paramref name="requireClip"/>. Returns the VAE factor.
    /// </summary>
    public static int Check(string folder, int resolution, string? clip = null, string? clipTokenizer = null, bool requireClip = true, string? initUnet = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Components folder '{folder}' does not exist (expected vae/, text_encoder/, tokenizer/, scheduler/, and unet/ or editor/).");
        foreach (string part in Parts)
            if (!Directory.Exists(Path.Combine(folder, part)))
                throw new DirectoryNotFoundException($"Components folder '{folder}' has no {part}/ (expected vae/, text_encoder/, tokenizer/, scheduler/, and unet/ or editor/).");
        string unetName = EditorFolder(folder, initUnet);
        if (!Directory.Exists(Path.Combine(folder, unetName)))
            throw new DirectoryNotFoundException($"Components folder '{folder}' has no {unetName}/ to train (expected unet/ or editor/{(initUnet is null ? "" : ", or the folder 'init_unet' names")}).");
        var vae = AutoencoderKLConfig.Read(ConfigReader.FromFile(DiffusersFolder.RequireFile(Path.Combine(folder, "vae"), "config.json")));
        var unet = UNet2DConditionConfig.Read(ConfigReader.FromFile(DiffusersFolder.RequireFile(Path.Combine(folder, unetName), "config.json")));
        if (unet.InChannels != vae.LatentChannels && unet.InChannels != 2 * vae.LatentChannels)
            throw new InvalidDataException($"{Path.Combine(folder, unetName)} takes {unet.InChannels} input channels; an editing UNet takes {2 * vae.LatentChannels} (latent + image latent) or {vae.LatentChannels} (a text-to-image UNet, widened).");
        int f = vae.DownsampleFactor;
        if (resolution < f || resolution % f != 0)
        {
            int below = Math.Max(f, resolution / f * f);
            throw new InvalidDataException($"'resolution' {resolution} is not a multiple of {f}, the downsampling factor of {folder}/vae ({vae.BlockOutChannels.Length} blocks): use {below} or {below + f}.");
        }
        string? clipDir = ClipFolder(folder, clip);
        if (clipDir is null)
        {
            if (requireClip) throw new InvalidDataException(MissingClip(folder));
        }
        else
        {
            if (!Directory.Exists(clipDir)) throw new DirectoryNotFoundException($"'clip' {clipDir}: no such folder.");
            DiffusersFolder.RequireFile(clipDir, "config.json");
        }
        if (clipTokenizer != null && !Directory.Exists(clipTokenizer) && !File.Exists(clipTokenizer))
            throw new FileNotFoundException($"'clip_tokenizer' {clipTokenizer}: no such folder or file.", clipTokenizer);
        return f;
    }

    /// <summary>
    /// Loads and freezes (eval mode, no gradients) every component but the UNet, on <paramref name="device"/> (default:
    /// <see cref="Devices.Default"/>). <paramref name="clip"/> / <paramref name="clipTokenizer"/> choose the loss CLIP
    /// (default: <c>clip/</c> of the folder); without one, <paramref name="requireClip"/> makes that the error.
    /// </summary>
    public static EditingComponents Load(string folder, Device? device = null, string? clip = null, string? clipTokenizer = null, bool requireClip = true)
    {
        device ??= Devices.Default;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Components folder '{folder}' does not exist (expected vae/, text_encoder/, tokenizer/, scheduler/, and unet/ or editor/).");
        foreach (string part in Parts)
            if (!Directory.Exists(Path.Combine(folder, part)))
                throw new DirectoryNotFoundException($"Components folder '{folder}' has no {part}/ (expected vae/, text_encoder/, tokenizer/, scheduler/, and unet/ or editor/).");
        string? clipDir = ClipFolder(folder, clip);
        if (clipDir is null && requireClip) throw new InvalidDataException(MissingClip(folder));
        var vae = Freeze(DiffusersFolder.LoadVae(Path.Combine(folder, "vae")), device);
        var text = Freeze(ClipCheckpoints.LoadTextModel(Path.Combine(folder, "text_encoder")), device);
        var lossClip = clipDir is null ? null : Freeze(ClipCheckpoints.LoadModel(clipDir), device);
        var tokenizer = ClipTokenizer.FromFolder(Path.Combine(folder, "tokenizer"));
        var clipTok = lossClip is null ? tokenizer : LossTokenizer(clipDir!, clipTokenizer, tokenizer, lossClip);
        var scheduler = DiffusersFolder.LoadSchedulerConfig(Path.Combine(folder, "scheduler"));
        return new EditingComponents
        {
            Folder = folder, Vae = vae, TextEncoder = text, Tokenizer = tokenizer, LossClip = lossClip, ClipTokenizer = clipTok,
            Scheduler = scheduler, Schedule = new NoiseSchedule(scheduler),
        };
    }

    /// <summary>The loss CLIP's tokenizer, checked against the model: ids it cannot embed would fail deep inside a step.</summary>
    static ClipTokenizer LossTokenizer(string clipDir, string? given, ClipTokenizer pipeline, ClipModel clip)
    {
        string? path = given
            ?? (File.Exists(Path.Combine(clipDir, "vocab.json")) ? clipDir : Directory.Exists(Path.Combine(clipDir, "tokenizer")) ? Path.Combine(clipDir, "tokenizer") : null);
        var tokenizer = path is null ? pipeline
            : path.EndsWith(".gz", StringComparison.Ordinal) ? ClipTokenizer.FromOpenAiBpe(path) : ClipTokenizer.FromFolder(path);
        string source = path ?? "the components' tokenizer/";
        var text = clip.Config.Text;
        if (tokenizer.VocabularySize > text.VocabSize)
            throw new InvalidDataException($"{source} has {tokenizer.VocabularySize} tokens but the CLIP in {clipDir} embeds {text.VocabSize}: give that CLIP's own tokenizer as 'clip_tokenizer'.");
        if (tokenizer.ContextLength > text.MaxPositionEmbeddings)
            throw new InvalidDataException($"{source} makes {tokenizer.ContextLength} ids per text but the CLIP in {clipDir} has {text.MaxPositionEmbeddings} positions: give that CLIP's own tokenizer as 'clip_tokenizer'.");
        return tokenizer;
    }

    /// <summary>The subfolder the trained UNet starts from: the one named, else <c>editor/</c> if present, else <c>unet/</c>.</summary>
    public static string EditorFolder(string folder, string? subfolder) =>
        subfolder ?? (Directory.Exists(Path.Combine(folder, "editor")) ? "editor" : "unet");

    /// <summary>
    /// The UNet to train: <c>editor/</c> (an 8-channel editing UNet, e.g. the input-reconstruction
    /// pretrained one) if the folder has it, else <c>unet/</c> widened to 8 input channels when it has 4.
    /// </summary>
    public UNet2DConditionModel LoadEditor(string? subfolder = null)
    {
        var unet = DiffusersFolder.LoadUNet(Path.Combine(Folder, EditorFolder(Folder, subfolder)));
        var editor = unet.Config.InChannels == 2 * Vae.Config.LatentChannels ? unet : UNet2DConditionModel.WidenInput(unet, 2 * Vae.Config.LatentChannels);
        editor.to(Device);
        return editor;
    }

    /// <summary>An editing pipeline over these components and a UNet.</summary>
    public InstructPix2PixPipeline Pipeline(UNet2DConditionModel unet) => new(unet, Vae, Scheduler, TextEncoder, Tokenizer);

    /// <summary>
    /// The editor in <paramref name="folder"/>: a whole InstructPix2Pix folder (<c>model_index.json</c>) as it is, or an
    /// editing UNet folder alone (a shipped editor, <c>editors/NAME/</c>) with these components.
    /// </summary>
    public InstructPix2PixPipeline PipelineFor(string folder) =>
        File.Exists(Path.Combine(folder, "model_index.json")) ? InstructPix2PixPipeline.Load(folder) : Pipeline(DiffusersFolder.LoadUNet(folder));

    /// <summary>Per-token text states <c>[N, T, D]</c> of the UNet's text encoder (no gradients).</summary>
    public Tensor EncodeInstructions(IReadOnlyList<string> texts, out IReadOnlyList<int> lengths)
    {
        using var _ = no_grad();
        var ids = Tokenizer.EncodeBatch(texts, out var encoded);
        lengths = encoded.Select(e => e.Length).ToList();
        return TextEncoder.call(ids.to(Device)).LastHiddenState;
    }

    /// <summary>CLIP text embeddings of captions (no gradients).</summary>
    public Tensor EncodeCaptions(IReadOnlyList<string> captions)
    {
        using var _ = no_grad();
        return Clip.EncodeText(ClipTokenizer.EncodeBatch(captions).to(Device));
    }

    public Device Device => Vae.parameters().First().device;

    static T Freeze<T>(T module, Device device) where T : nn.Module
    {
        module.to(device);
        module.eval();
        foreach (var p in module.parameters()) p.requires_grad = false;
        return module;
    }
}
