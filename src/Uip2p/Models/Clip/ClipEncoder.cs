using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Clip;

/// <summary>Multi-head self-attention with separate q/k/v projections (transformers' <c>CLIPAttention</c>).</summary>
public sealed class ClipAttention : Module<Tensor, Tensor>
{
    readonly Linear q_proj, k_proj, v_proj, out_proj;
    readonly int _heads;
    readonly bool _causal;

    public ClipAttention(int width, int heads, bool causal) : base(nameof(ClipAttention))
    {
        q_proj = Linear(width, width);
        k_proj = Linear(width, width);
        v_proj = Linear(width, width);
        out_proj = Linear(width, width);
        _heads = heads;
        _causal = causal;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1], c = x.shape[2];
        Tensor Split(Tensor y) => y.view(b, t, _heads, c / _heads).transpose(1, 2);
        var q = Split(q_proj.call(x));
        var k = Split(k_proj.call(x));
        var v = Split(v_proj.call(x));
        // Scale 1/√head_size, as openai/CLIP and transformers; text attention is causal.
        var o = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: _causal);
        return out_proj.call(o.transpose(1, 2).reshape(b, t, c));
    }
}

/// <summary>fc1 → activation → fc2.</summary>
public sealed class ClipMlp : Module<Tensor, Tensor>
{
    readonly Linear fc1, fc2;
    readonly Func<Tensor, Tensor> _act;

    public ClipMlp(int width, int hidden, string activation) : base(nameof(ClipMlp))
    {
        fc1 = Linear(width, hidden);
        fc2 = Linear(hidden, width);
        Activation = activation;
        _act = Activations.Get(activation, "hidden_act");
        RegisterComponents();
    }

    /// <summary>The config's <c>hidden_act</c>.</summary>
    public string Activation { get; }

    public override Tensor forward(Tensor x)
    {
        var h = fc1.call(x);
        var a = _act(h);
        return fc2.call(a);
    }
}

/// <summary>Pre-LN residual block: <c>x + attn(ln1(x))</c>, then <c>x + mlp(ln2(x))</c>.</summary>
public sealed class ClipEncoderLayer : Module<Tensor, Tensor>
{
    readonly ClipAttention self_attn;
    readonly LayerNorm layer_norm1, layer_norm2;
    readonly ClipMlp mlp;

    public ClipEncoderLayer(int width, int heads, int hidden, double eps, string act, bool causal) : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(width, heads, causal);
        layer_norm1 = LayerNorm(width, eps);
        mlp = new ClipMlp(width, hidden, act);
        layer_norm2 = LayerNorm(width, eps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = Scopes.ForInference();
        var h = x + self_attn.call(layer_norm1.call(x));
        return scope.Keep(h + mlp.call(layer_norm2.call(h)));
    }
}

/// <summary>A stack of <see cref="ClipEncoderLayer"/>s (<c>encoder.layers.N</c>).</summary>
public sealed class ClipEncoder : Module<Tensor, Tensor>
{
    readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(int layersCount, int width, int heads, int hidden, double eps, string act, bool causal) : base(nameof(ClipEncoder))
    {
        layers = new ModuleList<ClipEncoderLayer>(Enumerable.Range(0, layersCount).Select(_ => new ClipEncoderLayer(width, heads, hidden, eps, act, causal)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = x.alias();
        foreach (var layer in layers)
        {
            var next = layer.call(h);
            h.Dispose();
            h = next;
        }
        return h;
    }
}
