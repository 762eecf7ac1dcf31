using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Diffusion;

/// <summary>
/// How an <see cref="Attention"/> layer computes its output: swappable per layer, as diffusers'
/// attention processors. The default is scaled-dot-product attention; <see cref="CapturingAttentionProcessor"/>
/// also records the attention probabilities.
/// </summary>
public interface IAttentionProcessor
{
    /// <summary>Returns the layer's output for <paramref name="hidden"/> <c>[B, Q, C]</c> attending to <paramref name="context"/> (null: self-attention).</summary>
    Tensor Process(Attention attention, Tensor hidden, Tensor? context);
}

/// <summary>Fused scaled-dot-product attention (diffusers' <c>AttnProcessor2_0</c>).</summary>
public sealed class SdpaAttentionProcessor : IAttentionProcessor
{
    public static readonly SdpaAttentionProcessor Instance = new();

    public Tensor Process(Attention attention, Tensor hidden, Tensor? context)
    {
        using var scope = Scopes.ForInference();
        var (q, k, v) = attention.QueryKeyValue(hidden, context);
        var o = nn.functional.scaled_dot_product_attention(q, k, v);
        return scope.Keep(attention.Output(o));
    }
}

/// <summary>
/// diffusers' <c>Attention</c> as used inside <c>BasicTransformerBlock</c>: <c>to_q/to_k/to_v</c> without
/// bias, <c>to_out.0</c> with bias, scale <c>head_size^−½</c>. <c>attn1</c> is self-attention, <c>attn2</c>
/// cross-attention to the text states. <see cref="Name"/> is its parameter prefix (set by the UNet).
/// </summary>
public sealed class Attention : Module<Tensor, Tensor?, Tensor>
{
    readonly Linear to_q, to_k, to_v;
    readonly ModuleList<Module<Tensor, Tensor>> to_out;

    public Attention(int queryDim, int? crossAttentionDim, int heads, int headDim) : base(nameof(Attention))
    {
        int inner = heads * headDim;
        to_q = Linear(queryDim, inner, hasBias: false);
        to_k = Linear(crossAttentionDim ?? queryDim, inner, hasBias: false);
        to_v = Linear(crossAttentionDim ?? queryDim, inner, hasBias: false);
        to_out = new ModuleList<Module<Tensor, Tensor>>(Linear(inner, queryDim), Dropout(0.0));
        Heads = heads;
        HeadDim = headDim;
        IsCrossAttention = crossAttentionDim != null;
        RegisterComponents();
    }

    public int Heads { get; }
    public int HeadDim { get; }
    public double Scale => 1.0 / Math.Sqrt(HeadDim);
    public bool IsCrossAttention { get; }

    /// <summary>Parameter prefix, e.g. <c>down_blocks.0.attentions.0.transformer_blocks.0.attn2</c>.</summary>
    public string Name { get; internal set; } = "";

    /// <summary>Height × width of the feature map the queries come from (set by <see cref="Transformer2DModel"/>).</summary>
    public (int Height, int Width) Spatial { get; internal set; }

    /// <summary>The processor in use (default: <see cref="SdpaAttentionProcessor"/>).</summary>
    public IAttentionProcessor Processor { get; set; } = SdpaAttentionProcessor.Instance;

    public override Tensor forward(Tensor hidden, Tensor? context) => Processor.Process(this, hidden, context);

    /// <summary>Projected queries, keys and values split into heads: <c>[B, heads, T, head_dim]</c>.</summary>
    public (Tensor Q, Tensor K, Tensor V) QueryKeyValue(Tensor hidden, Tensor? context)
    {
        var source = context ?? hidden;
        return (SplitHeads(to_q.call(hidden)), SplitHeads(to_k.call(source)), SplitHeads(to_v.call(source)));
    }

    /// <summary>Merges heads <c>[B, heads, Q, d]</c> → <c>[B, Q, heads·d]</c> and applies <c>to_out</c>.</summary>
    public Tensor Output(Tensor heads)
    {
        var merged = heads.transpose(1, 2).reshape(heads.shape[0], heads.shape[2], Heads * HeadDim);
        var projected = to_out[0].call(merged);
        return to_out[1].call(projected);
    }

    Tensor SplitHeads(Tensor x)
    {
        return x.view(x.shape[0], x.shape[1], Heads, HeadDim).transpose(1, 2);
    }
}

/// <summary>
/// The VAE's single-head spatial self-attention (diffusers' <c>Attention</c> with <c>group_norm</c>,
/// biased projections and a residual): GroupNorm → q/k/v over the H·W positions → <c>to_out.0</c> → + x.
/// </summary>
public sealed class SpatialSelfAttention : Module<Tensor, Tensor>
{
    readonly GroupNorm group_norm;
    readonly Linear to_q, to_k, to_v;
    readonly ModuleList<Module<Tensor, Tensor>> to_out;

    public SpatialSelfAttention(int channels, int groups, double eps) : base(nameof(SpatialSelfAttention))
    {
        group_norm = Norms.GroupNorm(groups, channels, eps);
        to_q = Linear(channels, channels);
        to_k = Linear(channels, channels);
        to_v = Linear(channels, channels);
        to_out = new ModuleList<Module<Tensor, Tensor>>(Linear(channels, channels), Dropout(0.0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = Scopes.ForInference();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var tokens = group_norm.call(x).view(b, c, h * w).transpose(1, 2);
        var q = to_q.call(tokens).unsqueeze(1);
        var k = to_k.call(tokens).unsqueeze(1);
        var v = to_v.call(tokens).unsqueeze(1);
        var o = nn.functional.scaled_dot_product_attention(q, k, v).squeeze(1);
        o = to_out[1].call(to_out[0].call(o));
        return scope.Keep(o.transpose(1, 2).reshape(b, c, h, w) + x);
    }
}
