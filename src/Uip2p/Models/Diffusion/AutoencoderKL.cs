using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Diffusion;

/// <summary>diffusers' <c>AutoencoderKL</c> config (DownEncoderBlock2D / UpDecoderBlock2D).</summary>
public sealed record AutoencoderKLConfig
{
    public int InChannels { get; init; } = 3;
    public int OutChannels { get; init; } = 3;
    public int[] BlockOutChannels { get; init; } = [128, 256, 512, 512];
    public int LayersPerBlock { get; init; } = 2;
    public int LatentChannels { get; init; } = 4;
    public int NormNumGroups { get; init; } = 32;
    public int SampleSize { get; init; } = 512;
    /// <summary>Latents the UNet sees are <c>z · scaling_factor</c> (SD: 0.18215).</summary>
    public double ScalingFactor { get; init; } = 0.18215;
    public bool UseQuantConv { get; init; } = true;
    public bool UsePostQuantConv { get; init; } = true;
    public bool MidBlockAddAttention { get; init; } = true;

    /// <summary>Spatial reduction factor, 2^(blocks − 1) (SD: 8).</summary>
    public int DownsampleFactor => 1 << (BlockOutChannels.Length - 1);

    public static AutoencoderKLConfig Read(ConfigReader r)
    {
        string cls = r.String("_class_name", "AutoencoderKL");
        if (cls != "AutoencoderKL") throw new InvalidDataException($"{r.Source}: _class_name '{cls}' is not AutoencoderKL.");
        var down = r.Strings("down_block_types", ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"]);
        var up = r.Strings("up_block_types", ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]);
        if (down.Any(t => t != "DownEncoderBlock2D") || up.Any(t => t != "UpDecoderBlock2D") || down.Length != up.Length)
            throw new InvalidDataException($"{r.Source}: only DownEncoderBlock2D/UpDecoderBlock2D autoencoders with as many up as down blocks are supported.");
        if (r.String("act_fn", "silu") != "silu") throw new InvalidDataException($"{r.Source}: act_fn '{r.String("act_fn", "")}' is not supported (silu).");
        if (r.Has("shift_factor") || r.Has("latents_mean")) throw new InvalidDataException($"{r.Source}: shift_factor/latents_mean (SD3/FLUX-style VAEs) are not supported.");
        var c = new AutoencoderKLConfig
        {
            InChannels = r.Int("in_channels", 3),
            OutChannels = r.Int("out_channels", 3),
            BlockOutChannels = r.Ints("block_out_channels", down.Length, [64]),
            LayersPerBlock = r.Int("layers_per_block", 1),
            LatentChannels = r.Int("latent_channels", 4),
            NormNumGroups = r.Int("norm_num_groups", 32),
            SampleSize = r.Int("sample_size", 32),
            ScalingFactor = r.Double("scaling_factor", 0.18215),
            UseQuantConv = r.Bool("use_quant_conv", true),
            UsePostQuantConv = r.Bool("use_post_quant_conv", true),
            MidBlockAddAttention = r.Bool("mid_block_add_attention", true),
        };
        foreach (int ch in c.BlockOutChannels)
            if (ch % c.NormNumGroups != 0) throw new InvalidDataException($"{r.Source}: block_out_channels entry {ch} is not divisible by norm_num_groups = {c.NormNumGroups}.");
        return c;
    }

    public JsonObject ToJson() => new()
    {
        ["_class_name"] = "AutoencoderKL", ["_diffusers_version"] = "0.30.0",
        ["in_channels"] = InChannels, ["out_channels"] = OutChannels,
        ["down_block_types"] = new JsonArray([.. BlockOutChannels.Select(_ => (JsonNode)"DownEncoderBlock2D")]),
        ["up_block_types"] = new JsonArray([.. BlockOutChannels.Select(_ => (JsonNode)"UpDecoderBlock2D")]),
        ["block_out_channels"] = new JsonArray([.. BlockOutChannels.Select(x => (JsonNode)x)]),
        ["layers_per_block"] = LayersPerBlock, ["act_fn"] = "silu", ["latent_channels"] = LatentChannels,
        ["norm_num_groups"] = NormNumGroups, ["sample_size"] = SampleSize, ["scaling_factor"] = ScalingFactor,
        ["use_quant_conv"] = UseQuantConv, ["use_post_quant_conv"] = UsePostQuantConv, ["mid_block_add_attention"] = MidBlockAddAttention,
    };
}

/// <summary>
/// The VAE posterior <c>N(mean, exp(logvar))</c> from <c>moments = [mean, logvar]</c>, logvar clamped to [−30, 20].
/// IP2P conditions on <see cref="Mode"/> (the mean), unscaled.
/// </summary>
public sealed class DiagonalGaussian(Tensor moments) : IDisposable
{
    public Tensor Mean { get; } = moments.chunk(2, 1)[0];
    public Tensor LogVar { get; } = moments.chunk(2, 1)[1].clamp(-30.0, 20.0);
    public Tensor Std => (0.5 * LogVar).exp();

    /// <summary>The most likely latent (the mean).</summary>
    public Tensor Mode() => Mean.alias();

    /// <summary><c>mean + std·ε</c> with ε from <paramref name="generator"/> (or the global generator).</summary>
    public Tensor Sample(Generator? generator = null)
    {
        var eps = randn(Mean.shape, dtype: Mean.dtype, device: Mean.device, generator: generator);
        var std = Std;
        return Mean + std * eps;
    }

    public void Dispose() { Mean.Dispose(); LogVar.Dispose(); }
}

/// <summary><c>UNetMidBlock2D</c> of the VAE: resnet, (spatial self-attention, resnet); GroupNorm eps 1e-6.</summary>
public sealed class VaeMidBlock : Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<SpatialSelfAttention>? attentions;

    public VaeMidBlock(int channels, int groups, bool addAttention) : base(nameof(VaeMidBlock))
    {
        resnets = new ModuleList<ResnetBlock2D>(new ResnetBlock2D(channels, channels, null, groups, 1e-6), new ResnetBlock2D(channels, channels, null, groups, 1e-6));
        if (addAttention) attentions = new ModuleList<SpatialSelfAttention>(new SpatialSelfAttention(channels, groups, 1e-6));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = resnets[0].Forward(x, null);
        if (attentions != null) h = attentions[0].call(h);
        return resnets[1].Forward(h, null);
    }
}

/// <summary><c>DownEncoderBlock2D</c>: resnets, then a (0,1,0,1)-padded stride-2 convolution.</summary>
public sealed class DownEncoderBlock2D : Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Downsample2D>? downsamplers;

    public DownEncoderBlock2D(int inChannels, int outChannels, int layers, int groups, bool addDownsample) : base(nameof(DownEncoderBlock2D))
    {
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers).Select(j => new ResnetBlock2D(j == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6)).ToArray());
        if (addDownsample) downsamplers = new ModuleList<Downsample2D>(new Downsample2D(outChannels, padding: 0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = x;
        foreach (var r in resnets) h = r.Forward(h, null);
        return downsamplers != null ? downsamplers[0].call(h) : h;
    }
}

/// <summary><c>UpDecoderBlock2D</c>: resnets, then nearest ×2 and a convolution.</summary>
public sealed class UpDecoderBlock2D : Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Upsample2D>? upsamplers;

    public UpDecoderBlock2D(int inChannels, int outChannels, int layers, int groups, bool addUpsample) : base(nameof(UpDecoderBlock2D))
    {
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers).Select(j => new ResnetBlock2D(j == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6)).ToArray());
        if (addUpsample) upsamplers = new ModuleList<Upsample2D>(new Upsample2D(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = x;
        foreach (var r in resnets) h = r.Forward(h, null);
        return upsamplers != null ? upsamplers[0].Forward(h) : h;
    }
}

/// <summary>The VAE encoder: conv_in → down blocks → mid block → GroupNorm → SiLU → conv_out (2·latent channels).</summary>
public sealed class VaeEncoder : Module<Tensor, Tensor>
{
    readonly Conv conv_in, conv_out;
    readonly ModuleList<DownEncoderBlock2D> down_blocks;
    readonly VaeMidBlock mid_block;
    readonly GroupNorm conv_norm_out;

    public VaeEncoder(AutoencoderKLConfig c) : base(nameof(VaeEncoder))
    {
        var ch = c.BlockOutChannels;
        conv_in = new Conv(c.InChannels, ch[0], 3, padding: 1);
        int output = ch[0];
        var blocks = new List<DownEncoderBlock2D>();
        for (int i = 0; i < ch.Length; i++)
        {
            int input = output;
            output = ch[i];
            blocks.Add(new DownEncoderBlock2D(input, output, c.LayersPerBlock, c.NormNumGroups, i < ch.Length - 1));
        }
        down_blocks = new ModuleList<DownEncoderBlock2D>(blocks.ToArray());
        mid_block = new VaeMidBlock(ch[^1], c.NormNumGroups, c.MidBlockAddAttention);
        conv_norm_out = Norms.GroupNorm(c.NormNumGroups, ch[^1], 1e-6);
        conv_out = new Conv(ch[^1], 2 * c.LatentChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = Scopes.ForInference();
        var h = conv_in.call(x);
        foreach (var b in down_blocks) h = b.call(h);
        h = mid_block.call(h);
        return scope.Keep(conv_out.call(nn.functional.silu(conv_norm_out.call(h))));
    }
}

/// <summary>The VAE decoder: conv_in → mid block → up blocks → GroupNorm → SiLU → conv_out.</summary>
public sealed class VaeDecoder : Module<Tensor, Tensor>
{
    readonly Conv conv_in, conv_out;
    readonly VaeMidBlock mid_block;
    readonly ModuleList<UpDecoderBlock2D> up_blocks;
    readonly GroupNorm conv_norm_out;

    public VaeDecoder(AutoencoderKLConfig c) : base(nameof(VaeDecoder))
    {
        var reversed = c.BlockOutChannels.Reverse().ToArray();
        conv_in = new Conv(c.LatentChannels, reversed[0], 3, padding: 1);
        mid_block = new VaeMidBlock(reversed[0], c.NormNumGroups, c.MidBlockAddAttention);
        int output = reversed[0];
        var blocks = new List<UpDecoderBlock2D>();
        for (int i = 0; i < reversed.Length; i++)
        {
            int prev = output;
            output = reversed[i];
            blocks.Add(new UpDecoderBlock2D(prev, output, c.LayersPerBlock + 1, c.NormNumGroups, i < reversed.Length - 1));
        }
        up_blocks = new ModuleList<UpDecoderBlock2D>(blocks.ToArray());
        conv_norm_out = Norms.GroupNorm(c.NormNumGroups, c.BlockOutChannels[0], 1e-6);
        conv_out = new Conv(c.BlockOutChannels[0], c.OutChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)
    {
        using var scope = Scopes.ForInference();
        var h = mid_block.call(conv_in.call(z));
        foreach (var b in up_blocks) h = b.call(h);
        return scope.Keep(conv_out.call(nn.functional.silu(conv_norm_out.call(h))));
    }
}

/// <summary>
/// diffusers' <c>AutoencoderKL</c>: <see cref="Encode"/> gives the posterior of <c>quant_conv(encoder(x))</c>
/// for images in [−1, 1]; <see cref="Decode"/> is <c>decoder(post_quant_conv(z))</c> — no scaling inside:
/// callers divide UNet latents by <see cref="AutoencoderKLConfig.ScalingFactor"/> first (DESIGN §2).
/// </summary>
public sealed class AutoencoderKL : nn.Module
{
    readonly VaeEncoder encoder;
    readonly VaeDecoder decoder;
    readonly Conv? quant_conv, post_quant_conv;

    public AutoencoderKL(AutoencoderKLConfig config) : base(nameof(AutoencoderKL))
    {
        Config = config;
        encoder = new VaeEncoder(config);
        decoder = new VaeDecoder(config);
        if (config.UseQuantConv) quant_conv = new Conv(2 * config.LatentChannels, 2 * config.LatentChannels, 1);
        if (config.UsePostQuantConv) post_quant_conv = new Conv(config.LatentChannels, config.LatentChannels, 1);
        RegisterComponents();
    }

    public AutoencoderKLConfig Config { get; }

    /// <summary>The raw <c>[mean, logvar]</c> moments of images in [−1, 1].</summary>
    public Tensor Moments(Tensor images)
    {
        var h = encoder.call(images);
        return quant_conv != null ? quant_conv.call(h) : h.alias();
    }

    /// <summary>The posterior of images in [−1, 1] (sides multiples of <see cref="AutoencoderKLConfig.DownsampleFactor"/>).</summary>
    public DiagonalGaussian Encode(Tensor images)
    {
        long f = Config.DownsampleFactor;
        if (images.shape[^1] % f != 0 || images.shape[^2] % f != 0)
            throw new ArgumentException($"Image sides must be multiples of {f} for this VAE; got {images.shape[^1]}×{images.shape[^2]} (use ImageOps.ResizeToMultiple).");
        var moments = Moments(images);
        return new DiagonalGaussian(moments);
    }

    /// <summary>Images in (about) [−1, 1] from latents <c>z</c> (unscaled).</summary>
    public Tensor Decode(Tensor z)
    {
        if (post_quant_conv == null) return decoder.call(z);
        var h = post_quant_conv.call(z);
        return decoder.call(h);
    }

    /// <summary>
    /// Unscaled latents of images in [0, 1]: <c>encode(2x − 1).mode()</c> — IP2P's image condition as it is, and a
    /// diffusion latent once multiplied by <see cref="AutoencoderKLConfig.ScalingFactor"/>.
    /// </summary>
    public Tensor EncodeImages(Tensor images01)
    {
        using var posterior = Encode(images01 * 2 - 1);
        return posterior.Mode();
    }

    /// <summary>
    /// Images in (about) [0, 1] from unscaled latents: <c>decode(z)/2 + 0.5</c>, not clamped, so gradients reach every
    /// pixel (CEC's losses); clamp for display and scoring.
    /// </summary>
    public Tensor DecodeImages(Tensor z) => Decode(z) / 2 + 0.5;

    /// <summary>Images in [0, 1] encoded and decoded again, clamped: the most a latent editor can show of them.</summary>
    public Tensor RoundTrip(Tensor images01) => DecodeImages(EncodeImages(images01)).clamp(0, 1);

    /// <summary>
    /// Renames old checkpoints' mid-block attention keys (<c>query/key/value/proj_attn</c>) to the current ones
    /// (<c>to_q/to_k/to_v/to_out.0</c>), squeezing 1×1-conv weights to linear ones as diffusers does on load.
    /// </summary>
    public static Dictionary<string, Tensor> RenameLegacyAttention(IReadOnlyDictionary<string, Tensor> state)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (key, value) in state)
        {
            string k = key;
            foreach (var (from, to) in new[] { (".query.", ".to_q."), (".key.", ".to_k."), (".value.", ".to_v."), (".proj_attn.", ".to_out.0.") })
                if (key.Contains(".attentions.") && key.Contains(from)) k = key.Replace(from, to);
            result[k] = k != key && value.dim() == 4 ? value.squeeze(-1).squeeze(-1) : value;
        }
        return result;
    }
}
