using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Diffusion;

/// <summary>
/// diffusers' <c>ResnetBlock2D</c> (default time-scale-shift): GroupNorm → SiLU → conv1 (+ projected
/// time embedding) → GroupNorm → SiLU → conv2, plus a 1×1 <c>conv_shortcut</c> when channels change;
/// <c>(x + h) / output_scale_factor</c>. Without a time embedding (the VAE) there is no <c>time_emb_proj</c>.
/// </summary>
public sealed class ResnetBlock2D : nn.Module
{
    readonly GroupNorm norm1, norm2;
    readonly Conv conv1, conv2;
    readonly Linear? time_emb_proj;
    readonly Conv? conv_shortcut;
    readonly double _outputScale;

    public ResnetBlock2D(int inChannels, int outChannels, int? tembChannels, int groups, double eps, double outputScaleFactor = 1.0)
        : base(nameof(ResnetBlock2D))
    {
        norm1 = Norms.GroupNorm(groups, inChannels, eps);
        bool unet = tembChannels != null; // the VAE's resnets have no time embedding
        conv1 = new Conv(inChannels, outChannels, 3, padding: 1, gemmWhenTraining: unet);
        if (tembChannels is int t) time_emb_proj = Linear(t, outChannels);
        norm2 = Norms.GroupNorm(groups, outChannels, eps);
        conv2 = new Conv(outChannels, outChannels, 3, padding: 1, gemmWhenTraining: unet);
        if (inChannels != outChannels) conv_shortcut = new Conv(inChannels, outChannels, 1, gemmWhenTraining: unet);
        _outputScale = outputScaleFactor;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? temb)
    {
        using var scope = Scopes.ForInference();
        var h = conv1.call(nn.functional.silu(norm1.call(x)));
        if (time_emb_proj != null && temb is not null)
            h = h + time_emb_proj.call(nn.functional.silu(temb)).unsqueeze(-1).unsqueeze(-1);
        h = conv2.call(nn.functional.silu(norm2.call(h)));
        var shortcut = conv_shortcut != null ? conv_shortcut.call(x) : x;
        var output = shortcut + h;
        if (_outputScale != 1.0) output = output / _outputScale;
        return scope.Keep(output);
    }
}

/// <summary>
/// <c>Downsample2D</c>: a stride-2 3×3 convolution. The UNet pads 1 inside the convolution; the VAE
/// encoder pads (0,1,0,1) first and convolves with padding 0 (DESIGN §2).
/// </summary>
public sealed class Downsample2D : Module<Tensor, Tensor>
{
    readonly Conv conv;
    readonly bool _asymmetricPad;

    public Downsample2D(int channels, int padding, bool unet = false) : base(nameof(Downsample2D))
    {
        conv = new Conv(channels, channels, 3, stride: 2, padding: padding, gemmWhenTraining: unet);
        _asymmetricPad = padding == 0;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!_asymmetricPad) return conv.call(x);
        var padded = nn.functional.pad(x, [0, 1, 0, 1]);
        return conv.call(padded);
    }
}

/// <summary><c>Upsample2D</c>: nearest ×2 (or to a given size) then a 3×3 convolution.</summary>
public sealed class Upsample2D : nn.Module
{
    readonly Conv conv;

    public Upsample2D(int channels, bool unet = false) : base(nameof(Upsample2D))
    {
        conv = new Conv(channels, channels, 3, padding: 1, gemmWhenTraining: unet);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, long[]? size = null)
    {
        var up = size != null
            ? nn.functional.interpolate(x, size, mode: InterpolationMode.Nearest)
            : nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return conv.call(up);
    }
}
