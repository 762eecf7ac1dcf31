using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Diffusion;

/// <summary>diffusers' sinusoidal timestep features (<c>get_timestep_embedding</c>).</summary>
public static class TimestepFeatures
{
    /// <summary>
    /// <c>freq_k = exp(−ln(10000)·k/(half − freq_shift))</c>, <c>arg = t·freq</c> (t as float: fractional
    /// Euler timesteps are legal), <c>[sin, cos]</c> — or <c>[cos, sin]</c> with <paramref name="flipSinToCos"/> (SD: true).
    /// </summary>
    public static Tensor Sinusoidal(Tensor timesteps, int dim, bool flipSinToCos, double freqShift, double maxPeriod = 10000)
    {
        using var scope = Scopes.ForInference();
        int half = dim / 2;
        var exponent = arange(0, half, dtype: ScalarType.Float32, device: timesteps.device) * -Math.Log(maxPeriod) / (half - freqShift);
        var args = timesteps.to(ScalarType.Float32).unsqueeze(1) * exponent.exp().unsqueeze(0);
        var emb = cat([args.sin(), args.cos()], -1);
        if (flipSinToCos) emb = cat([emb[.., half..], emb[.., ..half]], -1);
        if (dim % 2 == 1) emb = nn.functional.pad(emb, [0, 1, 0, 0]);
        return scope.Keep(emb);
    }
}

/// <summary><c>time_embedding</c>: linear_1 → SiLU → linear_2.</summary>
public sealed class TimestepEmbedding : Module<Tensor, Tensor>
{
    readonly Linear linear_1, linear_2;

    public TimestepEmbedding(int inChannels, int dim) : base(nameof(TimestepEmbedding))
    {
        linear_1 = Linear(inChannels, dim);
        linear_2 = Linear(dim, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = linear_1.call(x);
        var a = nn.functional.silu(h);
        return linear_2.call(a);
    }
}
