using System.Text.Json.Nodes;

namespace Uip2p.Models.Dino;

/// <summary>facebookresearch/dino's <c>VisionTransformer</c> hyper-parameters (defaults: ViT-S/16, MagicBrush's DINO metric).</summary>
public sealed record DinoConfig
{
    public int PatchSize { get; init; } = 16;
    public int EmbedDim { get; init; } = 384;
    public int Depth { get; init; } = 12;
    public int NumHeads { get; init; } = 6;
    public int ImageSize { get; init; } = 224;
    public double MlpRatio { get; init; } = 4.0;
    public bool QkvBias { get; init; } = true;
    public double LayerNormEps { get; init; } = 1e-6;

    public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);
    public int MlpHidden => (int)(EmbedDim * MlpRatio);

    /// <summary>From DINO's constructor arguments (<c>patch_size, embed_dim, depth, num_heads, img_size, mlp_ratio, qkv_bias</c>).</summary>
    public static DinoConfig FromDinoArgs(ConfigReader r)
    {
        var c = new DinoConfig
        {
            PatchSize = r.Int("patch_size", 16),
            EmbedDim = r.Int("embed_dim", 384),
            Depth = r.Int("depth", 12),
            NumHeads = r.Int("num_heads", 6),
            ImageSize = r.Has("img_size") ? r.Ints("img_size", -1)[0] : 224,
            MlpRatio = r.Double("mlp_ratio", 4.0),
            QkvBias = r.Bool("qkv_bias", true),
            LayerNormEps = r.Double("layer_norm_eps", 1e-6),
        };
        return c.Validate(r);
    }

    /// <summary>From a transformers <c>ViTModel</c> config.json (e.g. facebook/dino-vits16); eps as the file says.</summary>
    public static DinoConfig FromHfVit(ConfigReader r)
    {
        r.Architecture("ViTModel", "ViTForImageClassification");
        int hidden = r.Int("hidden_size", 768);
        var c = new DinoConfig
        {
            PatchSize = r.Int("patch_size", 16),
            EmbedDim = hidden,
            Depth = r.Int("num_hidden_layers", 12),
            NumHeads = r.Int("num_attention_heads", 12),
            ImageSize = r.Int("image_size", 224),
            MlpRatio = r.Int("intermediate_size", 3072) / (double)hidden,
            QkvBias = r.Bool("qkv_bias", true),
            LayerNormEps = r.Double("layer_norm_eps", 1e-12),
        };
        if (r.String("hidden_act", "gelu") != "gelu")
            throw new InvalidDataException($"{r.Source}: DINO uses exact GELU; hidden_act '{r.String("hidden_act", "")}' is not supported.");
        return c.Validate(r);
    }

    DinoConfig Validate(ConfigReader r)
    {
        r.CheckDivisible(EmbedDim, NumHeads, "embed_dim", "num_heads");
        if (ImageSize % PatchSize != 0) throw new InvalidDataException($"{r.Source}: image size {ImageSize} is not a multiple of patch size {PatchSize}.");
        if (MlpRatio <= 0 || LayerNormEps <= 0) throw new InvalidDataException($"{r.Source}: mlp_ratio and the LayerNorm eps must be positive.");
        return this;
    }

    /// <summary>Our own config.json for a DINO folder in DINO naming (<c>model_type: dino_vit</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["model_type"] = "dino_vit", ["patch_size"] = PatchSize, ["embed_dim"] = EmbedDim, ["depth"] = Depth, ["num_heads"] = NumHeads,
        ["img_size"] = new JsonArray(ImageSize), ["mlp_ratio"] = MlpRatio, ["qkv_bias"] = QkvBias, ["layer_norm_eps"] = LayerNormEps,
    };
}
