using TorchSharp;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>
/// The frozen parts of instruction-editing training, loaded from a components folder in the diffusers
/// layout (<c>vae/</c>, <c>text_encoder/</c>, <c>tokenizer/</c>, <c>scheduler/</c>) plus the full CLIP for the
/// losses (<c>clip/</c>, with its own <c>clip/tokenizer/</c> if it has one, else the pipeline's tokenizer).
/// The trainable UNet comes from <see cref="LoadEditor"/>.
/// </summary>
public sealed class EditingComponents
{
    public required string Folder { get; init; }
    public required AutoencoderKL Vae { get; init; }
    public required ClipTextModel TextEncoder { get; init; }
    public required ClipTokenizer Tokenizer { get; init; }
    public required ClipModel Clip { get; init; }
    public required ClipTokenizer ClipTokenizer { get; init; }
    public required SchedulerConfig Scheduler { get; init; }
    public required NoiseSchedule Schedule { get; init; }

    /// <summary>Loads and freezes (eval mode, no gradients) every component but the UNet, on <paramref name="device"/> (default: <see cref="Devices.Default"/>).</summary>
    public static EditingComponents Load(string folder, Device? device = null)
    {
        device ??= Devices.Default;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Components folder '{folder}' does not exist (expected vae/, text_encoder/, tokenizer/, scheduler/, clip/).");
        foreach (string part in new[] { "vae", "text_encoder", "tokenizer", "scheduler", "clip" })
            if (!Directory.Exists(Path.Combine(folder, part)))
                throw new DirectoryNotFoundException($"Components folder '{folder}' has no {part}/ (expected vae/, text_encoder/, tokenizer/, scheduler/, clip/).");
        var vae = Freeze(DiffusersFolder.LoadVae(Path.Combine(folder, "vae")), device);
        var text = Freeze(ClipCheckpoints.LoadTextModel(Path.Combine(folder, "text_encoder")), device);
        var clip = Freeze(ClipCheckpoints.LoadModel(Path.Combine(folder, "clip")), device);
        var tokenizer = ClipTokenizer.FromFolder(Path.Combine(folder, "tokenizer"));
        string clipTokenizer = Path.Combine(folder, "clip", "tokenizer");
        var scheduler = DiffusersFolder.LoadSchedulerConfig(Path.Combine(folder, "scheduler"));
        return new EditingComponents
        {
            Folder = folder, Vae = vae, TextEncoder = text, Tokenizer = tokenizer, Clip = clip,
            ClipTokenizer = Directory.Exists(clipTokenizer) ? ClipTokenizer.FromFolder(clipTokenizer) : tokenizer,
            Scheduler = scheduler, Schedule = new NoiseSchedule(scheduler),
        };
    }

    /// <summary>
    /// The UNet to train: <c>editor/</c> (an 8-channel editing UNet, e.g. the input-reconstruction
    /// pretrained one) if the folder has it, else <c>unet/</c> widened to 8 input channels when it has 4.
    /// </summary>
    public UNet2DConditionModel LoadEditor(string? subfolder = null)
    {
        string name = subfolder ?? (Directory.Exists(Path.Combine(Folder, "editor")) ? "editor" : "unet");
        var unet = DiffusersFolder.LoadUNet(Path.Combine(Folder, name));
        var editor = unet.Config.InChannels == 2 * Vae.Config.LatentChannels ? unet : UNet2DConditionModel.WidenInput(unet, 2 * Vae.Config.LatentChannels);
        editor.to(Device);
        return editor;
    }

    /// <summary>An editing pipeline over these components and a UNet.</summary>
    public InstructPix2PixPipeline Pipeline(UNet2DConditionModel unet) => new(unet, Vae, Scheduler, TextEncoder, Tokenizer);

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
