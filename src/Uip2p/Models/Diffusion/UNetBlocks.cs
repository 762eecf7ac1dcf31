using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uip2p.Models.Diffusion;

/// <summary>A down block: returns the new hidden state and the skip states it adds (one per resnet, plus the downsampled one).</summary>
public abstract class UNetDownBlock(string name) : nn.Module(name)
{
    public abstract (Tensor Hidden, List<Tensor> Skips) Forward(Tensor h, Tensor temb, Tensor context);
    public abstract int ResnetCount { get; }
    internal virtual IEnumerable<Attention> Attentions => [];
}

/// <summary>An up block: consumes skip states from the end of the list, one per resnet.</summary>
public abstract class UNetUpBlock(string name) : nn.Module(name)
{
    public abstract Tensor Forward(Tensor h, List<Tensor> skips, Tensor temb, Tensor context, long[]? upsampleSize);
    public abstract int ResnetCount { get; }
    internal virtual IEnumerable<Attention> Attentions => [];
}

/// <summary><c>CrossAttnDownBlock2D</c> (with attentions) or <c>DownBlock2D</c> (without): resnet [→ transformer] per layer, then an optional downsampler.</summary>
public sealed class DownBlock2D : UNetDownBlock
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Transformer2DModel>? attentions;
    readonly ModuleList<Downsample2D>? downsamplers;

    public DownBlock2D(UNet2DConditionConfig c, int index, int inChannels, int outChannels, bool withAttention, bool addDownsample)
        : base(withAttention ? "CrossAttnDownBlock2D" : "DownBlock2D")
    {
        int layers = c.LayersPerBlock[index];
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers)
            .Select(j => new ResnetBlock2D(j == 0 ? inChannels : outChannels, outChannels, c.TimeEmbedDim, c.NormNumGroups, c.NormEps, c.ResnetOutScaleFactor)).ToArray());
        if (withAttention)
        {
            int heads = c.NumAttentionHeads[index];
            attentions = new ModuleList<Transformer2DModel>(Enumerable.Range(0, layers)
                .Select(_ => new Transformer2DModel(heads, outChannels / heads, outChannels, c.TransformerLayersPerBlock[index], c.CrossAttentionDim[index], c.NormNumGroups, c.UseLinearProjection)).ToArray());
        }
        if (addDownsample) downsamplers = new ModuleList<Downsample2D>(new Downsample2D(outChannels, c.DownsamplePadding, unet: true));
        RegisterComponents();
    }

    public override int ResnetCount => resnets.Count;
    internal override IEnumerable<Attention> Attentions => attentions?.SelectMany(a => a.Attentions) ?? [];

    public override (Tensor Hidden, List<Tensor> Skips) Forward(Tensor h, Tensor temb, Tensor context)
    {
        var skips = new List<Tensor>();
        for (int i = 0; i < resnets.Count; i++)
        {
            h = resnets[i].Forward(h, temb);
            if (attentions != null) h = attentions[i].Forward(h, context);
            skips.Add(h);
        }
        if (downsamplers != null)
        {
            h = downsamplers[0].call(h);
            skips.Add(h);
        }
        return (h, skips);
    }
}

/// <summary><c>CrossAttnUpBlock2D</c> or <c>UpBlock2D</c>: per layer concatenate a skip, resnet [→ transformer]; then an optional upsampler.</summary>
public sealed class UpBlock2D : UNetUpBlock
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Transformer2DModel>? attentions;
    readonly ModuleList<Upsample2D>? upsamplers;

    public UpBlock2D(UNet2DConditionConfig c, int reversedIndex, int inChannels, int prevOutputChannels, int outChannels, bool withAttention, bool addUpsample)
        : base(withAttention ? "CrossAttnUpBlock2D" : "UpBlock2D")
    {
        int n = c.BlockOutChannels.Length;
        int layers = c.LayersPerBlock[n - 1 - reversedIndex] + 1;
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers).Select(j =>
        {
            int skipChannels = j == layers - 1 ? inChannels : outChannels;
            int resnetIn = j == 0 ? prevOutputChannels : outChannels;
            return new ResnetBlock2D(resnetIn + skipChannels, outChannels, c.TimeEmbedDim, c.NormNumGroups, c.NormEps, c.ResnetOutScaleFactor);
        }).ToArray());
        if (withAttention)
        {
            int heads = c.NumAttentionHeads[n - 1 - reversedIndex];
            attentions = new ModuleList<Transformer2DModel>(Enumerable.Range(0, layers)
                .Select(_ => new Transformer2DModel(heads, outChannels / heads, outChannels, c.TransformerLayersPerBlock[n - 1 - reversedIndex],
                    c.CrossAttentionDim[n - 1 - reversedIndex], c.NormNumGroups, c.UseLinearProjection)).ToArray());
        }
        if (addUpsample) upsamplers = new ModuleList<Upsample2D>(new Upsample2D(outChannels, unet: true));
        RegisterComponents();
    }

    public override int ResnetCount => resnets.Count;
    internal override IEnumerable<Attention> Attentions => attentions?.SelectMany(a => a.Attentions) ?? [];

    public override Tensor Forward(Tensor h, List<Tensor> skips, Tensor temb, Tensor context, long[]? upsampleSize)
    {
        for (int i = 0; i < resnets.Count; i++)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            h = resnets[i].Forward(cat([h, skip], 1), temb);
            if (attentions != null) h = attentions[i].Forward(h, context);
        }
        if (upsamplers != null) h = upsamplers[0].Forward(h, upsampleSize);
        return h;
    }
}

/// <summary><c>UNetMidBlock2DCrossAttn</c>: resnet, then (transformer, resnet) per layer.</summary>
public sealed class UNetMidBlock2DCrossAttn : nn.Module
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Transformer2DModel> attentions;

    public UNetMidBlock2DCrossAttn(UNet2DConditionConfig c) : base(nameof(UNetMidBlock2DCrossAttn))
    {
        int ch = c.BlockOutChannels[^1], heads = c.NumAttentionHeads[^1];
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, 2).Select(_ => new ResnetBlock2D(ch, ch, c.TimeEmbedDim, c.NormNumGroups, c.NormEps, c.MidBlockScaleFactor)).ToArray());
        attentions = new ModuleList<Transformer2DModel>(new Transformer2DModel(heads, ch / heads, ch, c.TransformerLayersPerBlock[^1], c.CrossAttentionDim[^1], c.NormNumGroups, c.UseLinearProjection));
        RegisterComponents();
    }

    internal IEnumerable<Attention> Attentions => attentions.SelectMany(a => a.Attentions);

    public Tensor Forward(Tensor h, Tensor temb, Tensor context)
    {
        h = resnets[0].Forward(h, temb);
        for (int i = 0; i < attentions.Count; i++)
        {
            h = attentions[i].Forward(h, context);
            h = resnets[i + 1].Forward(h, temb);
        }
        return h;
    }
}
