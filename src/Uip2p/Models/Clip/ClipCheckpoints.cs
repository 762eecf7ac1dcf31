using TorchSharp;
using Uip2p.Checkpoints;
using static TorchSharp.torch;

namespace Uip2p.Models.Clip;

/// <summary>
/// Loading CLIP from Hugging Face folders (transformers naming) and from openai/CLIP state dicts
/// (renamed by <see cref="FromOpenAi"/>). Every load reports missing, unexpected and mis-shaped keys.
/// </summary>
public static class ClipCheckpoints
{
    /// <summary>transformers' <c>position_ids</c> buffers: older checkpoints hold them, newer ones do not.</summary>
    public static bool IsOptionalBuffer(string key) => key.EndsWith("embeddings.position_ids", StringComparison.Ordinal);

    /// <summary>
    /// A CLIP folder: transformers' CLIPModel (<c>config.json</c> + <c>model.safetensors</c>, or a sharded index), or an
    /// openai/CLIP state dict in <c>weights.safetensors</c> beside a <c>config.json</c> whose <c>constructor_args</c> are
    /// openai's <c>CLIP(...)</c> arguments (the oracle fixtures' layout), renamed by <see cref="FromOpenAi"/>.
    /// </summary>
    public static ClipModel LoadModel(string folder, ScalarType dtype = ScalarType.Float32, bool strict = true)
    {
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{folder}: no config.json; expected a CLIP model folder.", configPath);
        var reader = ConfigReader.FromFile(configPath);
        if (reader.Has("constructor_args"))
        {
            var a = reader.Section("constructor_args");
            var openai = new ClipModel(ClipConfig.FromOpenAi(a.Int("embed_dim"), a.Int("image_resolution"), a.Int("vision_layers"), a.Int("vision_width"),
                a.Int("vision_patch_size"), a.Int("context_length"), a.Int("vocab_size"), a.Int("transformer_width"),
                a.Int("transformer_heads"), a.Int("transformer_layers")));
            openai.to(dtype);
            string stateDict = Path.Combine(folder, "weights.safetensors");
            if (!File.Exists(stateDict)) throw new FileNotFoundException($"{folder}: openai-style config.json but no weights.safetensors.", stateDict);
            Load(openai, FromOpenAi(SafetensorsFile.Load(stateDict), stateDict), stateDict, strict);
            openai.eval();
            return openai;
        }
        var model = new ClipModel(ClipConfig.Read(reader));
        model.to(dtype);
        string weights = SafetensorsFile.FindWeights(folder);
        Load(model, SafetensorsFile.Load(weights), weights, strict);
        model.eval();
        return model;
    }

    /// <summary>A CLIPTextModel folder (Stable Diffusion's <c>text_encoder/</c>).</summary>
    public static ClipTextModel LoadTextModel(string folder, ScalarType dtype = ScalarType.Float32, bool strict = true)
    {
        var reader = ConfigReader.FromFile(Path.Combine(folder, "config.json"));
        string? architecture = reader.Architecture("CLIPTextModel", "CLIPTextModelWithProjection");
        var model = new ClipTextModel(ClipTextConfig.Read(reader));
        model.to(dtype);
        string weights = SafetensorsFile.FindWeights(folder);
        var state = SafetensorsFile.Load(weights);
        // A CLIPTextModelWithProjection file also holds text_projection: not part of the text model.
        if (!strict || architecture == "CLIPTextModelWithProjection")
            state.Remove("text_projection.weight");
        Load(model, state, weights, strict);
        model.eval();
        return model;
    }

    /// <summary>Writes a CLIPModel folder (config.json + model.safetensors, each atomically) that <see cref="LoadModel"/> and transformers read.</summary>
    public static void SaveModel(ClipModel model, string folder)
    {
        Directory.CreateDirectory(folder);
        SafetensorsFile.Save(Path.Combine(folder, "model.safetensors"), model.state_dict());
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), model.Config.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads a state dict in transformers naming, accepting optional <c>position_ids</c>.</summary>
    public static LoadReport Load(TorchSharp.torch.nn.Module model, IReadOnlyDictionary<string, Tensor> state, string source, bool strict = true) =>
        StateDictLoader.Load(model, state, source, strict, IsOptionalBuffer);

    /// <summary>
    /// openai/CLIP naming → transformers naming: <c>transformer.resblocks.i</c> → <c>text_model.encoder.layers.i</c>,
    /// <c>attn.in_proj_weight</c> split into q/k/v, <c>text_projection</c> and <c>visual.proj</c> transposed,
    /// <c>visual.ln_pre</c> → <c>vision_model.pre_layrnorm</c>, and so on. openai's scalar entries
    /// (<c>input_resolution</c>, <c>context_length</c>, <c>vocab_size</c>) are dropped. An unknown key is an error.
    /// </summary>
    public static Dictionary<string, Tensor> FromOpenAi(IReadOnlyDictionary<string, Tensor> openai, string source)
    {
        var hf = new Dictionary<string, Tensor>();
        foreach (var (key, value) in openai)
        {
            if (key is "input_resolution" or "context_length" or "vocab_size") continue;
            foreach (var (name, tensor) in MapOpenAiKey(key, value, source)) hf[name] = tensor;
        }
        return hf;
    }

    static IEnumerable<(string, Tensor)> MapOpenAiKey(string key, Tensor v, string source)
    {
        switch (key)
        {
            case "token_embedding.weight": yield return ("text_model.embeddings.token_embedding.weight", v); yield break;
            case "positional_embedding": yield return ("text_model.embeddings.position_embedding.weight", v); yield break;
            case "text_projection": yield return ("text_projection.weight", v.T.contiguous()); yield break;
            case "logit_scale": yield return ("logit_scale", v); yield break;
            case "visual.class_embedding": yield return ("vision_model.embeddings.class_embedding", v); yield break;
            case "visual.positional_embedding": yield return ("vision_model.embeddings.position_embedding.weight", v); yield break;
            case "visual.conv1.weight": yield return ("vision_model.embeddings.patch_embedding.weight", v); yield break;
            case "visual.proj": yield return ("visual_projection.weight", v.T.contiguous()); yield break;
        }
        foreach (var (from, to) in new[] { ("ln_final.", "text_model.final_layer_norm."), ("visual.ln_pre.", "vision_model.pre_layrnorm."), ("visual.ln_post.", "vision_model.post_layernorm.") })
            if (key.StartsWith(from, StringComparison.Ordinal)) { yield return (to + key[from.Length..], v); yield break; }

        string? prefix = key.StartsWith("transformer.resblocks.", StringComparison.Ordinal) ? "text_model.encoder.layers."
            : key.StartsWith("visual.transformer.resblocks.", StringComparison.Ordinal) ? "vision_model.encoder.layers." : null;
        if (prefix == null) throw new InvalidDataException($"{source}: key '{key}' is not part of openai/CLIP's naming.");
        string rest = key[(key.IndexOf("resblocks.", StringComparison.Ordinal) + "resblocks.".Length)..];
        int dot = rest.IndexOf('.');
        string layer = rest[..dot], part = rest[(dot + 1)..];
        string p = prefix + layer + ".";
        switch (part)
        {
            case "attn.in_proj_weight":
            case "attn.in_proj_bias":
                var chunks = v.chunk(3, 0);
                string suffix = part.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias";
                yield return (p + "self_attn.q_proj." + suffix, chunks[0].contiguous());
                yield return (p + "self_attn.k_proj." + suffix, chunks[1].contiguous());
                yield return (p + "self_attn.v_proj." + suffix, chunks[2].contiguous());
                yield break;
        }
        foreach (var (from, to) in new[] { ("attn.out_proj.", "self_attn.out_proj."), ("ln_1.", "layer_norm1."), ("ln_2.", "layer_norm2."), ("mlp.c_fc.", "mlp.fc1."), ("mlp.c_proj.", "mlp.fc2.") })
            if (part.StartsWith(from, StringComparison.Ordinal)) { yield return (p + to + part[from.Length..], v); yield break; }
        throw new InvalidDataException($"{source}: key '{key}' is not part of openai/CLIP's naming.");
    }

    /// <summary>
    /// The config of an openai/CLIP state dict, read from its shapes as openai's <c>build_model</c> does
    /// (text heads = width / 64 unless given).
    /// </summary>
    public static ClipConfig InferOpenAiConfig(IReadOnlyDictionary<string, Tensor> openai, string source, int? textHeads = null)
    {
        Tensor Get(string k) => openai.TryGetValue(k, out var t) ? t : throw new InvalidDataException($"{source}: '{k}' missing; not an openai/CLIP state dict.");
        int visionWidth = (int)Get("visual.conv1.weight").shape[0];
        int patch = (int)Get("visual.conv1.weight").shape[^1];
        int grid = (int)Math.Round(Math.Sqrt(Get("visual.positional_embedding").shape[0] - 1));
        int visionLayers = openai.Keys.Count(k => k.StartsWith("visual.transformer.resblocks.", StringComparison.Ordinal) && k.EndsWith(".attn.in_proj_weight", StringComparison.Ordinal));
        int width = (int)Get("ln_final.weight").shape[0];
        int layers = openai.Keys.Count(k => k.StartsWith("transformer.resblocks.", StringComparison.Ordinal) && k.EndsWith(".attn.in_proj_weight", StringComparison.Ordinal));
        return ClipConfig.FromOpenAi((int)Get("text_projection").shape[1], patch * grid, visionLayers, visionWidth, patch,
            (int)Get("positional_embedding").shape[0], (int)Get("token_embedding.weight").shape[0], width, textHeads ?? Math.Max(1, width / 64), layers);
    }
}
