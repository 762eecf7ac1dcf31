using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Diffusion;

/// <summary>GEGLU: <c>proj</c> to twice the width, split, <c>a · gelu(b)</c> (exact erf GELU).</summary>
public sealed class GEGLU : Module<Tensor, Tensor>
{
    readonly Linear proj;

    public GEGLU(int dimIn, int dimOut) : base(nameof(GEGLU))
    {
        proj = Linear(dimIn, dimOut * 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = Scopes.ForInference();
        var parts = proj.call(x).chunk(2, -1);
        return scope.Keep(parts[0] * nn.functional.gelu(parts[1]));
    }
}

/// <summary><c>ff.net</c> = [GEGLU(dim → 4·dim), Dropout, Linear(4·dim → dim)].</summary>
public sealed class FeedForward : Module<Tensor, Tensor>
{
    readonly ModuleList<Module<Tensor, Tensor>> net;

    public FeedForward(int dim, int mult = 4) : base(nameof(FeedForward))
    {
        net = new ModuleList<Module<Tensor, Tensor>>(new GEGLU(dim, dim * mult), Dropout(0.0), Linear(dim * mult, dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var a = net[0].call(x);
        var b = net[1].call(a);
        return net[2].call(b);
    }
}

/// <summary><c>BasicTransformerBlock</c>: self-attention, cross-attention to the text, GEGLU feed-forward; pre-LayerNorm (eps 1e-5), residuals.</summary>
public sealed class BasicTransformerBlock : nn.Module
{
    readonly LayerNorm norm1, norm2, norm3;
    readonly Attention attn1, attn2;
    readonly FeedForward ff;

    public BasicTransformerBlock(int dim, int heads, int headDim, int crossAttentionDim) : base(nameof(BasicTransformerBlock))
    {
        norm1 = LayerNorm(dim, 1e-5);
        attn1 = new Attention(dim, null, heads, headDim);
        norm2 = LayerNorm(dim, 1e-5);
        attn2 = new Attention(dim, crossAttentionDim, heads, headDim);
        norm3 = LayerNorm(dim, 1e-5);
        ff = new FeedForward(dim);
        RegisterComponents();
    }

    internal IEnumerable<Attention> Attentions => [attn1, attn2];

    public Tensor Forward(Tensor x, Tensor context)
    {
        using var scope = Scopes.ForInference();
        var h = attn1.call(norm1.call(x), null) + x;
        h = attn2.call(norm2.call(h), context) + h;
        h = ff.call(norm3.call(h)) + h;
        return scope.Keep(h);
    }
}

/// <summary>
/// <c>Transformer2DModel</c> over a feature map: GroupNorm (eps 1e-6) → <c>proj_in</c> (1×1 conv, or
/// Linear with <c>use_linear_projection</c>) → transformer blocks on the H·W tokens → <c>proj_out</c> → + input.
/// </summary>
public sealed class Transformer2DModel : nn.Module
{
    readonly GroupNorm norm;
    readonly Module<Tensor, Tensor> proj_in, proj_out;
    readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    readonly bool _linear;
    readonly int _inner;

    public Transformer2DModel(int heads, int headDim, int inChannels, int layers, int crossAttentionDim, int groups, bool useLinearProjection)
        : base(nameof(Transformer2DModel))
    {
        _inner = heads * headDim;
        _linear = useLinearProjection;
        norm = Norms.GroupNorm(groups, inChannels, 1e-6);
        proj_in = useLinearProjection ? Linear(inChannels, _inner) : new Conv(inChannels, _inner, 1, gemmWhenTraining: true);
        transformer_blocks = new ModuleList<BasicTransformerBlock>(Enumerable.Range(0, layers).Select(_ => new BasicTransformerBlock(_inner, heads, headDim, crossAttentionDim)).ToArray());
        proj_out = useLinearProjection ? Linear(_inner, inChannels) : new Conv(_inner, inChannels, 1, gemmWhenTraining: true);
        RegisterComponents();
    }

    internal IEnumerable<Attention> Attentions => transformer_blocks.SelectMany(b => b.Attentions);

    public Tensor Forward(Tensor x, Tensor context)
    {
        using var scope = Scopes.ForInference();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        foreach (var a in Attentions) a.Spatial = ((int)h, (int)w);
        var t = norm.call(x);
        t = _linear
            ? proj_in.call(t.permute(0, 2, 3, 1).reshape(b, h * w, c))
            : proj_in.call(t).permute(0, 2, 3, 1).reshape(b, h * w, _inner);
        foreach (var block in transformer_blocks) t = block.Forward(t, context);
        t = _linear
            ? proj_out.call(t).reshape(b, h, w, c).permute(0, 3, 1, 2)
            : proj_out.call(t.reshape(b, h, w, _inner).permute(0, 3, 1, 2).contiguous());
        return scope.Keep(t + x);
    }
}
