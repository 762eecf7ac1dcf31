using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Clip;

/// <summary>
/// CLIP with both towers, their projections and <c>logit_scale</c> (transformers' <c>CLIPModel</c> naming).
/// Used by every UIP2P loss that compares images and captions and by the CLIP-I / CLIP-T metrics.
/// </summary>
public sealed class ClipModel : Module<Tensor, Tensor, Tensor>
{
    readonly ClipTextTransformer text_model;
    readonly ClipVisionTransformer vision_model;
    readonly Linear text_projection, visual_projection;
    readonly Parameter logit_scale;

    public ClipModel(ClipConfig config) : base(nameof(ClipModel))
    {
        Config = config;
        text_model = new ClipTextTransformer(config.Text);
        vision_model = new ClipVisionTransformer(config.Vision);
        text_projection = Linear(config.Text.HiddenSize, config.ProjectionDim, hasBias: false);
        visual_projection = Linear(config.Vision.HiddenSize, config.ProjectionDim, hasBias: false);
        logit_scale = Parameter(tensor((float)config.LogitScaleInit));
        RegisterComponents();
    }

    public ClipConfig Config { get; }

    /// <summary>The learned temperature <c>exp(logit_scale)</c>'s logarithm.</summary>
    public Tensor LogitScale => logit_scale;

    /// <summary>Image embeddings <c>E(I)</c> from images in [0,1] of any size (preprocessed here, differentiably).</summary>
    public Tensor EncodeImage(Tensor images01) => EncodePreprocessedImage(ClipPreprocessing.Apply(images01, Config.Vision.ImageSize));

    /// <summary>Image embeddings from pixels already resized and normalised.</summary>
    public Tensor EncodePreprocessedImage(Tensor pixels)
    {
        var output = vision_model.call(pixels);
        return visual_projection.call(output.Pooled);
    }

    /// <summary>Text embeddings <c>E(T)</c> from token ids <c>[N, L]</c>.</summary>
    public Tensor EncodeText(Tensor ids)
    {
        var output = text_model.call(ids);
        return text_projection.call(output.Pooled);
    }

    /// <summary>Per-token text states and pooled state (before projection).</summary>
    public ClipTextOutput TextStates(Tensor ids) => text_model.call(ids);

    /// <summary>Pooled class-token state (before projection) of preprocessed pixels.</summary>
    public ClipVisionOutput VisionStates(Tensor pixels) => vision_model.call(pixels);

    /// <summary><c>logits_per_image = exp(logit_scale)·norm(E(I))·norm(E(T))ᵀ</c> for preprocessed pixels and ids.</summary>
    public override Tensor forward(Tensor pixels, Tensor ids)
    {
        using var scope = Scopes.ForInference();
        var img = nn.functional.normalize(EncodePreprocessedImage(pixels), dim: -1);
        var txt = nn.functional.normalize(EncodeText(ids), dim: -1);
        return scope.Keep(logit_scale.exp() * img.matmul(txt.T));
    }
}

/// <summary>Similarities between CLIP embeddings.</summary>
public static class ClipSimilarity
{
    /// <summary><c>cos(a, b)</c> along the last dimension.</summary>
    public static Tensor Cosine(Tensor a, Tensor b) => nn.functional.cosine_similarity(a, b, dim: -1);

    /// <summary>
    /// Directional similarity <c>cos(E(I₁) − E(I₀), E(T₁) − E(T₀))</c>: does the image change point the
    /// way the caption change does (the IP2P plot's x axis, and UIP2P's L_CLIP).
    /// </summary>
    public static Tensor Direction(Tensor image0, Tensor image1, Tensor text0, Tensor text1) =>
        nn.functional.cosine_similarity(image1 - image0, text1 - text0, dim: -1);
}
