using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Diffusion;

/// <summary>
/// diffusers' <c>UNet2DConditionModel</c> (SD1.x family) with diffusers' parameter names, built from its config.
/// <c>ε̂ = UNet(z_t, t, c)</c>: for InstructPix2Pix the input is <c>cat([noisy latents, image latents])</c> (8 channels).
/// Every attention layer is an <see cref="Attention"/> whose processor can be swapped (<see cref="AttentionLayers"/>).
/// </summary>
public sealed class UNet2DConditionModel : nn.Module
{
    readonly Conv conv_in, conv_out;
    readonly TimestepEmbedding time_embedding;
    readonly ModuleList<UNetDownBlock> down_blocks;
    readonly UNetMidBlock2DCrossAttn mid_block;
    readonly ModuleList<UNetUpBlock> up_blocks;
    readonly GroupNorm conv_norm_out;

    public UNet2DConditionModel(UNet2DConditionConfig config) : base(nameof(UNet2DConditionModel))
    {
        Config = config;
        var ch = config.BlockOutChannels;
        int n = ch.Length;
        conv_in = new Conv(config.InChannels, ch[0], config.ConvInKernel, padding: (config.ConvInKernel - 1) / 2, gemmWhenTraining: true);
        time_embedding = new TimestepEmbedding(ch[0], config.TimeEmbedDim);

        var downs = new List<UNetDownBlock>();
        int output = ch[0];
        for (int i = 0; i < n; i++)
        {
            int input = output;
            output = ch[i];
            downs.Add(new DownBlock2D(config, i, input, output, config.DownBlockTypes[i] == "CrossAttnDownBlock2D", addDownsample: i < n - 1));
        }
        down_blocks = new ModuleList<UNetDownBlock>(downs.ToArray());
        mid_block = new UNetMidBlock2DCrossAttn(config);

        var reversed = ch.Reverse().ToArray();
        var ups = new List<UNetUpBlock>();
        output = reversed[0];
        for (int i = 0; i < n; i++)
        {
            int prev = output;
            output = reversed[i];
            int input = reversed[Math.Min(i + 1, n - 1)];
            ups.Add(new UpBlock2D(config, i, input, prev, output, config.UpBlockTypes[i] == "CrossAttnUpBlock2D", addUpsample: i < n - 1));
        }
        up_blocks = new ModuleList<UNetUpBlock>(ups.ToArray());
        conv_norm_out = Norms.GroupNorm(config.NormNumGroups, ch[0], config.NormEps);
        conv_out = new Conv(ch[0], config.OutChannels, config.ConvOutKernel, padding: (config.ConvOutKernel - 1) / 2, gemmWhenTraining: true);
        RegisterComponents();

        foreach (var (name, module) in named_modules())
            if (module is Attention a) a.Name = name;
    }

    public UNet2DConditionConfig Config { get; }

    /// <summary>Receives named intermediates (<c>time_proj</c>, <c>conv_in</c>, <c>down_blocks.i</c>, …) to localise a mismatch.</summary>
    public Action<string, Tensor>? Trace { get; set; }

    /// <summary>Every attention layer in forward order (self- and cross-attention).</summary>
    public IEnumerable<Attention> AttentionLayers() =>
        down_blocks.SelectMany(b => b.Attentions).Concat(mid_block.Attentions).Concat(up_blocks.SelectMany(b => b.Attentions));

    /// <summary>Sets the processor of every layer for which <paramref name="choose"/> returns one.</summary>
    public void SetAttentionProcessor(Func<Attention, IAttentionProcessor?> choose)
    {
        foreach (var layer in AttentionLayers())
            if (choose(layer) is { } p) layer.Processor = p;
    }

    /// <summary>ε̂ (or v̂) for <paramref name="sample"/> <c>[B, in, h, w]</c> at <paramref name="timestep"/> (scalar or <c>[B]</c>, integer or fractional) given text states <c>[B, L, D]</c>.</summary>
    public Tensor Forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates)
    {
        using var scope = Scopes.ForInference();
        if (sample.shape[1] != Config.InChannels)
            throw new ArgumentException($"The UNet takes {Config.InChannels} input channels, got {sample.shape[1]}.");
        var x = Config.CenterInputSample ? 2 * sample - 1.0 : sample;
        var t = timestep.dim() == 0 ? timestep.reshape(1) : timestep;
        t = t.to(x.device).expand(x.shape[0]);
        var tProj = TimestepFeatures.Sinusoidal(t, Config.BlockOutChannels[0], Config.FlipSinToCos, Config.FreqShift).to(x.dtype);
        Trace?.Invoke("time_proj", tProj);
        var temb = time_embedding.call(tProj);
        Trace?.Invoke("time_embedding", temb);

        var h = conv_in.call(x);
        Trace?.Invoke("conv_in", h);
        var skips = new List<Tensor> { h };
        for (int i = 0; i < down_blocks.Count; i++)
        {
            (h, var s) = down_blocks[i].Forward(h, temb, encoderHiddenStates);
            skips.AddRange(s);
            Trace?.Invoke($"down_blocks.{i}", h);
        }
        h = mid_block.Forward(h, temb, encoderHiddenStates);
        Trace?.Invoke("mid_block", h);
        for (int i = 0; i < up_blocks.Count; i++)
        {
            var block = up_blocks[i];
            var blockSkips = skips.GetRange(skips.Count - block.ResnetCount, block.ResnetCount);
            skips.RemoveRange(skips.Count - block.ResnetCount, block.ResnetCount);
            // Upsample to the next skip's size, so odd latent sizes line up as in diffusers.
            long[]? size = i < up_blocks.Count - 1 ? [skips[^1].shape[2], skips[^1].shape[3]] : null;
            h = block.Forward(h, blockSkips, temb, encoderHiddenStates, size);
            Trace?.Invoke($"up_blocks.{i}", h);
        }
        h = conv_norm_out.call(h);
        Trace?.Invoke("conv_norm_out", h);
        return scope.Keep(conv_out.call(nn.functional.silu(h)));
    }

    /// <summary>
    /// InstructPix2Pix's widening of a 4-channel UNet to 8 input channels: <c>conv_in</c> weights for the
    /// first 4 channels are copied, the new 4 (image latents) start at zero, so the widened UNet computes
    /// exactly what the original did until training moves them.
    /// </summary>
    public static UNet2DConditionModel WidenInput(UNet2DConditionModel unet, int inChannels = 8)
    {
        if (inChannels <= unet.Config.InChannels) throw new ArgumentException($"The UNet already takes {unet.Config.InChannels} channels.");
        var widened = new UNet2DConditionModel(unet.Config with { InChannels = inChannels });
        var source = unet.state_dict();
        using (no_grad())
        {
            foreach (var (key, target) in widened.state_dict())
            {
                var value = source[key];
                if (key == "conv_in.weight")
                {
                    target.zero_();
                    target[.., ..(int)value.shape[1]].copy_(value);
                }
                else target.copy_(value);
            }
        }
        return widened;
    }
}
