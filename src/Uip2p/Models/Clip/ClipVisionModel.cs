using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Clip;

/// <summary>Per-patch states (before the post LayerNorm) and the pooled class token (after it).</summary>
public sealed record ClipVisionOutput(Tensor LastHiddenState, Tensor Pooled) : IDisposable
{
    public void Dispose() { LastHiddenState.Dispose(); Pooled.Dispose(); }
}

/// <summary>Class embedding, patch convolution (no bias) and position embedding.</summary>
public sealed class ClipVisionEmbeddings : Module<Tensor, Tensor>
{
    readonly Parameter class_embedding;
    readonly Conv patch_embedding;
    readonly Embedding position_embedding;

    public ClipVisionEmbeddings(ClipVisionConfig c) : base(nameof(ClipVisionEmbeddings))
    {
        class_embedding = Parameter(randn(c.HiddenSize));
        patch_embedding = new Conv(c.NumChannels, c.HiddenSize, c.PatchSize, stride: c.PatchSize, hasBias: false);
        position_embedding = Embedding(c.NumPatches + 1, c.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var scope = Scopes.ForInference();
        var patches = patch_embedding.call(pixels).flatten(2).transpose(1, 2);
        var cls = class_embedding.expand(pixels.shape[0], 1, -1);
        var x = cat([cls, patches], 1);
        if (x.shape[1] != position_embedding.weight!.shape[0])
            throw new ArgumentException($"CLIP vision tower expects {position_embedding.weight!.shape[0] - 1} patches, the image gives {x.shape[1] - 1}: resize it to the model's image_size first (ClipPreprocessing).");
        return scope.Keep(x + position_embedding.weight!.unsqueeze(0));
    }
}

/// <summary>transformers' <c>CLIPVisionTransformer</c>: embeddings → <c>pre_layrnorm</c> (sic) → encoder → <c>post_layernorm</c> of the class token.</summary>
public sealed class ClipVisionTransformer : Module<Tensor, ClipVisionOutput>
{
    readonly ClipVisionEmbeddings embeddings;
    readonly LayerNorm pre_layrnorm;
    readonly ClipEncoder encoder;
    readonly LayerNorm post_layernorm;

    public ClipVisionTransformer(ClipVisionConfig c) : base(nameof(ClipVisionTransformer))
    {
        embeddings = new ClipVisionEmbeddings(c);
        pre_layrnorm = LayerNorm(c.HiddenSize, c.LayerNormEps);
        encoder = new ClipEncoder(c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, c.LayerNormEps, c.HiddenAct, causal: false);
        post_layernorm = LayerNorm(c.HiddenSize, c.LayerNormEps);
        RegisterComponents();
    }

    public override ClipVisionOutput forward(Tensor pixels)
    {
        using var scope = Scopes.ForInference();
        var hidden = encoder.call(pre_layrnorm.call(embeddings.call(pixels)));
        var pooled = post_layernorm.call(hidden[.., 0]);
        return new ClipVisionOutput(scope.Keep(hidden), scope.Keep(pooled));
    }
}

/// <summary>transformers' <c>CLIPVisionModelWithProjection</c>: keys <c>vision_model.*</c> and <c>visual_projection.weight</c>.</summary>
public sealed class ClipVisionModelWithProjection : Module<Tensor, Tensor>
{
    readonly ClipVisionTransformer vision_model;
    readonly Linear visual_projection;

    public ClipVisionModelWithProjection(ClipVisionConfig config) : base(nameof(ClipVisionModelWithProjection))
    {
        Config = config;
        vision_model = new ClipVisionTransformer(config);
        visual_projection = Linear(config.HiddenSize, config.ProjectionDim, hasBias: false);
        RegisterComponents();
    }

    public ClipVisionConfig Config { get; }

    /// <summary>Image embeddings of already preprocessed pixels.</summary>
    public override Tensor forward(Tensor pixels)
    {
        var output = vision_model.call(pixels);
        return visual_projection.call(output.Pooled);
    }
}
