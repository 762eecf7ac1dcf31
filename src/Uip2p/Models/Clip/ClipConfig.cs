using System.Text.Json.Nodes;

namespace Uip2p.Models.Clip;

/// <summary>transformers' <c>CLIPTextConfig</c> (defaults as there: the ViT-B/32 text tower).</summary>
public sealed record ClipTextConfig
{
    public int VocabSize { get; init; } = 49408;
    public int HiddenSize { get; init; } = 512;
    public int IntermediateSize { get; init; } = 2048;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 8;
    public int MaxPositionEmbeddings { get; init; } = 77;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;
    public int ProjectionDim { get; init; } = 512;
    public int BosTokenId { get; init; } = 49406;
    public int EosTokenId { get; init; } = 49407;
    public int PadTokenId { get; init; } = 1;

    public static ClipTextConfig Read(ConfigReader r)
    {
        var d = new ClipTextConfig();
        var c = new ClipTextConfig
        {
            VocabSize = r.Int("vocab_size", d.VocabSize),
            HiddenSize = r.Int("hidden_size", d.HiddenSize),
            IntermediateSize = r.Int("intermediate_size", d.IntermediateSize),
            NumHiddenLayers = r.Int("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = r.Int("num_attention_heads", d.NumAttentionHeads),
            MaxPositionEmbeddings = r.Int("max_position_embeddings", d.MaxPositionEmbeddings),
            HiddenAct = r.String("hidden_act", d.HiddenAct),
            LayerNormEps = r.Double("layer_norm_eps", d.LayerNormEps),
            ProjectionDim = r.Int("projection_dim", d.ProjectionDim),
            BosTokenId = r.Int("bos_token_id", d.BosTokenId, min: 0),
            EosTokenId = r.Int("eos_token_id", d.EosTokenId, min: 0),
            PadTokenId = r.Int("pad_token_id", d.PadTokenId, min: 0),
        };
        r.CheckDivisible(c.HiddenSize, c.NumAttentionHeads, "hidden_size", "num_attention_heads");
        Activations.Get(c.HiddenAct, r.Source);
        return c;
    }

    public JsonObject ToJson() => new()
    {
        ["vocab_size"] = VocabSize, ["hidden_size"] = HiddenSize, ["intermediate_size"] = IntermediateSize,
        ["num_hidden_layers"] = NumHiddenLayers, ["num_attention_heads"] = NumAttentionHeads,
        ["max_position_embeddings"] = MaxPositionEmbeddings, ["hidden_act"] = HiddenAct, ["layer_norm_eps"] = LayerNormEps,
        ["projection_dim"] = ProjectionDim, ["bos_token_id"] = BosTokenId, ["eos_token_id"] = EosTokenId, ["pad_token_id"] = PadTokenId,
    };
}

/// <summary>transformers' <c>CLIPVisionConfig</c> (defaults as there: ViT-B/32).</summary>
public sealed record ClipVisionConfig
{
    public int HiddenSize { get; init; } = 768;
    public int IntermediateSize { get; init; } = 3072;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 32;
    public int NumChannels { get; init; } = 3;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;
    public int ProjectionDim { get; init; } = 512;

    public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    public static ClipVisionConfig Read(ConfigReader r)
    {
        var d = new ClipVisionConfig();
        var c = new ClipVisionConfig
        {
            HiddenSize = r.Int("hidden_size", d.HiddenSize),
            IntermediateSize = r.Int("intermediate_size", d.IntermediateSize),
            NumHiddenLayers = r.Int("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = r.Int("num_attention_heads", d.NumAttentionHeads),
            ImageSize = r.Int("image_size", d.ImageSize),
            PatchSize = r.Int("patch_size", d.PatchSize),
            NumChannels = r.Int("num_channels", d.NumChannels),
            HiddenAct = r.String("hidden_act", d.HiddenAct),
            LayerNormEps = r.Double("layer_norm_eps", d.LayerNormEps),
            ProjectionDim = r.Int("projection_dim", d.ProjectionDim),
        };
        r.CheckDivisible(c.HiddenSize, c.NumAttentionHeads, "hidden_size", "num_attention_heads");
        if (c.ImageSize % c.PatchSize != 0)
            throw new InvalidDataException($"{r.Source}: 'image_size' = {c.ImageSize} is not a multiple of 'patch_size' = {c.PatchSize}.");
        Activations.Get(c.HiddenAct, r.Source);
        return c;
    }

    public JsonObject ToJson() => new()
    {
        ["hidden_size"] = HiddenSize, ["intermediate_size"] = IntermediateSize, ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads, ["image_size"] = ImageSize, ["patch_size"] = PatchSize,
        ["num_channels"] = NumChannels, ["hidden_act"] = HiddenAct, ["layer_norm_eps"] = LayerNormEps, ["projection_dim"] = ProjectionDim,
    };
}

/// <summary>transformers' <c>CLIPConfig</c>: both towers and the shared embedding size.</summary>
public sealed record ClipConfig
{
    public ClipTextConfig Text { get; init; } = new();
    public ClipVisionConfig Vision { get; init; } = new();
    public int ProjectionDim { get; init; } = 512;
    /// <summary>Initial <c>logit_scale</c> (ln 1/0.07); the checkpoint's value replaces it.</summary>
    public double LogitScaleInit { get; init; } = 2.6592;

    /// <summary>Reads a <c>CLIPModel</c> config.json (with <c>text_config</c> and <c>vision_config</c>).</summary>
    public static ClipConfig Read(ConfigReader r)
    {
        r.Architecture("CLIPModel");
        int projection = r.Int("projection_dim", 512);
        var text = ClipTextConfig.Read(r.Section("text_config")) with { ProjectionDim = projection };
        var vision = ClipVisionConfig.Read(r.Section("vision_config")) with { ProjectionDim = projection };
        return new ClipConfig { Text = text, Vision = vision, ProjectionDim = projection, LogitScaleInit = r.Double("logit_scale_init_value", 2.6592) };
    }

    public JsonObject ToJson() => new()
    {
        ["architectures"] = new JsonArray("CLIPModel"),
        ["model_type"] = "clip",
        ["projection_dim"] = ProjectionDim,
        ["logit_scale_init_value"] = LogitScaleInit,
        ["text_config"] = Text.ToJson(),
        ["vision_config"] = Vision.ToJson(),
    };

    /// <summary>
    /// The config of openai/CLIP's <c>CLIP(embed_dim, image_resolution, vision_layers, vision_width,
    /// vision_patch_size, context_length, vocab_size, transformer_width, transformer_heads, transformer_layers)</c>:
    /// MLP ratio 4, QuickGELU, LayerNorm eps 1e-5, vision heads = vision_width / 64 (openai's fixed head size).
    /// </summary>
    public static ClipConfig FromOpenAi(int embedDim, int imageResolution, int visionLayers, int visionWidth, int visionPatchSize,
        int contextLength, int vocabSize, int transformerWidth, int transformerHeads, int transformerLayers) => new()
    {
        ProjectionDim = embedDim,
        Text = new ClipTextConfig
        {
            VocabSize = vocabSize, HiddenSize = transformerWidth, IntermediateSize = 4 * transformerWidth,
            NumHiddenLayers = transformerLayers, NumAttentionHeads = transformerHeads, MaxPositionEmbeddings = contextLength,
            ProjectionDim = embedDim,
        },
        Vision = new ClipVisionConfig
        {
            HiddenSize = visionWidth, IntermediateSize = 4 * visionWidth, NumHiddenLayers = visionLayers,
            NumAttentionHeads = Math.Max(1, visionWidth / 64), ImageSize = imageResolution, PatchSize = visionPatchSize,
            ProjectionDim = embedDim,
        },
    };
}
