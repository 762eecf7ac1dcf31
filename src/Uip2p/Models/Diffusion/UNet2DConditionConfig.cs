using System.Text.Json.Nodes;

namespace Uip2p.Models.Diffusion;

/// <summary>
/// diffusers' <c>UNet2DConditionModel</c> config for the SD1.x family (CrossAttnDownBlock2D / DownBlock2D /
/// UNetMidBlock2DCrossAttn / UpBlock2D / CrossAttnUpBlock2D). Options outside that family are refused by name.
/// </summary>
public sealed record UNet2DConditionConfig
{
    public int SampleSize { get; init; } = 64;
    public int InChannels { get; init; } = 4;
    public int OutChannels { get; init; } = 4;
    public bool CenterInputSample { get; init; }
    public bool FlipSinToCos { get; init; } = true;
    public double FreqShift { get; init; }
    public string[] DownBlockTypes { get; init; } = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"];
    public string[] UpBlockTypes { get; init; } = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"];
    public int[] BlockOutChannels { get; init; } = [320, 640, 1280, 1280];
    public int[] LayersPerBlock { get; init; } = [2, 2, 2, 2];
    public int DownsamplePadding { get; init; } = 1;
    public double MidBlockScaleFactor { get; init; } = 1;
    public int NormNumGroups { get; init; } = 32;
    public double NormEps { get; init; } = 1e-5;
    public int[] CrossAttentionDim { get; init; } = [768, 768, 768, 768];
    public int[] TransformerLayersPerBlock { get; init; } = [1, 1, 1, 1];
    /// <summary>Heads per block (diffusers: <c>num_attention_heads</c>, or — SD1.x's historical naming — <c>attention_head_dim</c>).</summary>
    public int[] NumAttentionHeads { get; init; } = [8, 8, 8, 8];
    public bool UseLinearProjection { get; init; }
    public double ResnetOutScaleFactor { get; init; } = 1.0;
    public int ConvInKernel { get; init; } = 3;
    public int ConvOutKernel { get; init; } = 3;

    public int TimeEmbedDim => BlockOutChannels[0] * 4;

    /// <summary>Reads a diffusers <c>unet/config.json</c>.</summary>
    public static UNet2DConditionConfig Read(ConfigReader r)
    {
        string cls = r.String("_class_name", "UNet2DConditionModel");
        if (cls != "UNet2DConditionModel") throw new InvalidDataException($"{r.Source}: _class_name '{cls}' is not UNet2DConditionModel.");
        var down = r.Strings("down_block_types", ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]);
        var up = r.Strings("up_block_types", ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]);
        int n = down.Length;
        foreach (string t in down)
            if (t is not ("CrossAttnDownBlock2D" or "DownBlock2D")) throw new InvalidDataException($"{r.Source}: down block type '{t}' is not supported (CrossAttnDownBlock2D, DownBlock2D).");
        foreach (string t in up)
            if (t is not ("CrossAttnUpBlock2D" or "UpBlock2D")) throw new InvalidDataException($"{r.Source}: up block type '{t}' is not supported (CrossAttnUpBlock2D, UpBlock2D).");
        if (up.Length != n) throw new InvalidDataException($"{r.Source}: {n} down blocks but {up.Length} up blocks.");
        string mid = r.String("mid_block_type", "UNetMidBlock2DCrossAttn");
        if (mid != "UNetMidBlock2DCrossAttn") throw new InvalidDataException($"{r.Source}: mid_block_type '{mid}' is not supported (UNetMidBlock2DCrossAttn).");
        Refuse(r, "class_embed_type", "addition_embed_type", "encoder_hid_dim", "encoder_hid_dim_type", "time_cond_proj_dim",
            "num_class_embeds", "cross_attention_norm", "timestep_post_act", "time_embedding_act_fn", "time_embedding_dim", "reverse_transformer_layers_per_block");
        RequireValue(r, "act_fn", "silu");
        RequireValue(r, "resnet_time_scale_shift", "default");
        RequireValue(r, "time_embedding_type", "positional");
        RequireValue(r, "attention_type", "default");
        if (r.Bool("dual_cross_attention", false)) throw new InvalidDataException($"{r.Source}: dual_cross_attention is not supported.");
        if (r.Has("only_cross_attention") && r.Bool("only_cross_attention", false)) throw new InvalidDataException($"{r.Source}: only_cross_attention is not supported.");
        if (r.Bool("resnet_skip_time_act", false)) throw new InvalidDataException($"{r.Source}: resnet_skip_time_act is not supported.");

        var channels = r.Ints("block_out_channels", n, [320, 640, 1280, 1280]);
        // diffusers: num_attention_heads = num_attention_heads or attention_head_dim (SD1.x's "8" means 8 heads).
        var heads = r.Has("num_attention_heads") ? r.Ints("num_attention_heads", n) : r.Ints("attention_head_dim", n, Enumerable.Repeat(8, n).ToArray());
        var c = new UNet2DConditionConfig
        {
            SampleSize = r.Int("sample_size", 64),
            InChannels = r.Int("in_channels", 4),
            OutChannels = r.Int("out_channels", 4),
            CenterInputSample = r.Bool("center_input_sample", false),
            FlipSinToCos = r.Bool("flip_sin_to_cos", true),
            FreqShift = r.Double("freq_shift", 0),
            DownBlockTypes = down,
            UpBlockTypes = up,
            BlockOutChannels = channels,
            LayersPerBlock = r.Ints("layers_per_block", n, Enumerable.Repeat(2, n).ToArray()),
            DownsamplePadding = r.Int("downsample_padding", 1, min: 0),
            MidBlockScaleFactor = r.Double("mid_block_scale_factor", 1),
            NormNumGroups = r.Int("norm_num_groups", 32),
            NormEps = r.Double("norm_eps", 1e-5),
            CrossAttentionDim = r.Ints("cross_attention_dim", n, Enumerable.Repeat(1280, n).ToArray()),
            TransformerLayersPerBlock = r.Ints("transformer_layers_per_block", n, Enumerable.Repeat(1, n).ToArray()),
            NumAttentionHeads = heads,
            UseLinearProjection = r.Bool("use_linear_projection", false),
            ResnetOutScaleFactor = r.Double("resnet_out_scale_factor", 1.0),
            ConvInKernel = r.Int("conv_in_kernel", 3),
            ConvOutKernel = r.Int("conv_out_kernel", 3),
        };
        for (int i = 0; i < n; i++)
        {
            if (channels[i] % c.NormNumGroups != 0)
                throw new InvalidDataException($"{r.Source}: block_out_channels[{i}] = {channels[i]} is not divisible by norm_num_groups = {c.NormNumGroups}.");
            if (channels[i] % heads[i] != 0)
                throw new InvalidDataException($"{r.Source}: block_out_channels[{i}] = {channels[i]} is not divisible by its {heads[i]} attention heads.");
        }
        return c;
    }

    static void Refuse(ConfigReader r, params string[] keys)
    {
        foreach (string k in keys)
            if (r.Has(k)) throw new InvalidDataException($"{r.Source}: '{k}' is set; this UNet supports the SD1.x family only, without it.");
    }

    static void RequireValue(ConfigReader r, string key, string value)
    {
        string v = r.String(key, value);
        if (v != value) throw new InvalidDataException($"{r.Source}: '{key}' = '{v}' is not supported (only '{value}').");
    }

    /// <summary>A diffusers config.json for this UNet.</summary>
    public JsonObject ToJson() => new()
    {
        ["_class_name"] = "UNet2DConditionModel",
        ["_diffusers_version"] = "0.30.0",
        ["sample_size"] = SampleSize, ["in_channels"] = InChannels, ["out_channels"] = OutChannels,
        ["center_input_sample"] = CenterInputSample, ["flip_sin_to_cos"] = FlipSinToCos, ["freq_shift"] = FreqShift,
        ["down_block_types"] = new JsonArray([.. DownBlockTypes.Select(s => (JsonNode)s)]),
        ["mid_block_type"] = "UNetMidBlock2DCrossAttn",
        ["up_block_types"] = new JsonArray([.. UpBlockTypes.Select(s => (JsonNode)s)]),
        ["block_out_channels"] = Ints(BlockOutChannels), ["layers_per_block"] = Ints(LayersPerBlock),
        ["downsample_padding"] = DownsamplePadding, ["mid_block_scale_factor"] = MidBlockScaleFactor, ["act_fn"] = "silu",
        ["norm_num_groups"] = NormNumGroups, ["norm_eps"] = NormEps, ["cross_attention_dim"] = Ints(CrossAttentionDim),
        ["transformer_layers_per_block"] = Ints(TransformerLayersPerBlock), ["attention_head_dim"] = Ints(NumAttentionHeads),
        ["use_linear_projection"] = UseLinearProjection, ["resnet_out_scale_factor"] = ResnetOutScaleFactor,
        ["conv_in_kernel"] = ConvInKernel, ["conv_out_kernel"] = ConvOutKernel,
    };

    static JsonArray Ints(int[] v) => new([.. v.Select(x => (JsonNode)x)]);
}
