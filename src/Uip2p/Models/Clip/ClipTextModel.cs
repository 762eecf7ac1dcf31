using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Clip;

/// <summary>Per-token states after the final LayerNorm (what Stable Diffusion is conditioned on) and the pooled end-token state.</summary>
public sealed record ClipTextOutput(Tensor LastHiddenState, Tensor Pooled) : IDisposable
{
    public void Dispose() { LastHiddenState.Dispose(); Pooled.Dispose(); }
}

/// <summary>Token and position embeddings (<c>embeddings.token_embedding</c>, <c>embeddings.position_embedding</c>).</summary>
public sealed class ClipTextEmbeddings : Module<Tensor, Tensor>
{
    readonly Embedding token_embedding, position_embedding;

    public ClipTextEmbeddings(ClipTextConfig c) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = Embedding(c.VocabSize, c.HiddenSize);
        position_embedding = Embedding(c.MaxPositionEmbeddings, c.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        var positions = arange(ids.shape[1], dtype: ScalarType.Int64, device: ids.device).unsqueeze(0);
        var tokens = token_embedding.call(ids);
        var pos = position_embedding.call(positions);
        return tokens + pos;
    }
}

/// <summary>transformers' <c>CLIPTextTransformer</c>: embeddings → causal encoder → final LayerNorm; pooled = state at the first end token.</summary>
public sealed class ClipTextTransformer : Module<Tensor, ClipTextOutput>
{
    readonly ClipTextEmbeddings embeddings;
    readonly ClipEncoder encoder;
    readonly LayerNorm final_layer_norm;
    readonly int _eos;

    public ClipTextTransformer(ClipTextConfig c) : base(nameof(ClipTextTransformer))
    {
        embeddings = new ClipTextEmbeddings(c);
        encoder = new ClipEncoder(c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, c.LayerNormEps, c.HiddenAct, causal: true);
        final_layer_norm = LayerNorm(c.HiddenSize, c.LayerNormEps);
        _eos = c.EosTokenId;
        RegisterComponents();
    }

    public override ClipTextOutput forward(Tensor ids)
    {
        using var scope = Scopes.ForInference();
        var hidden = final_layer_norm.call(encoder.call(embeddings.call(ids)));
        var pooled = hidden[arange(ids.shape[0], device: ids.device), EndPositions(ids)];
        return new ClipTextOutput(scope.Keep(hidden), scope.Keep(pooled));
    }

    /// <summary>The first end token of each row (openai's argmax, which is the same for CLIP's vocabulary).</summary>
    Tensor EndPositions(Tensor ids)
    {
        var isEnd = ids.eq(_eos).to(ScalarType.Int32);
        var first = isEnd.argmax(1);
        var any = isEnd.amax([1]).gt(0);
        return where(any, first, ids.argmax(1));
    }
}

/// <summary>transformers' <c>CLIPTextModel</c> (Stable Diffusion's <c>text_encoder</c>): keys <c>text_model.*</c>.</summary>
public sealed class ClipTextModel : Module<Tensor, ClipTextOutput>
{
    readonly ClipTextTransformer text_model;

    public ClipTextModel(ClipTextConfig config) : base(nameof(ClipTextModel))
    {
        Config = config;
        text_model = new ClipTextTransformer(config);
        RegisterComponents();
    }

    public ClipTextConfig Config { get; }

    public override ClipTextOutput forward(Tensor ids) => text_model.call(ids);
}
