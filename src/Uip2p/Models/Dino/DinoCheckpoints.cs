using TorchSharp;
using Uip2p.Checkpoints;
using static TorchSharp.torch;

namespace Uip2p.Models.Dino;

/// <summary>Loading DINO ViTs: DINO's own naming, or transformers' <c>ViTModel</c> naming (facebook/dino-vits16) mapped to it.</summary>
public static class DinoCheckpoints
{
    /// <summary>
    /// A folder with <c>config.json</c> and safetensors weights: a transformers ViTModel config (mapped by
    /// <see cref="FromHfVit"/>), or ours (<c>model_type: dino_vit</c>, DINO's constructor names and keys).
    /// </summary>
    public static DinoVisionTransformer Load(string folder, bool strict = true)
    {
        var reader = ConfigReader.FromFile(Path.Combine(folder, "config.json"));
        bool hf = reader.Has("architectures") || reader.String("model_type", "") == "vit";
        var config = hf ? DinoConfig.FromHfVit(reader) : DinoConfig.FromDinoArgs(reader);
        string weights = SafetensorsFile.FindWeights(folder);
        var state = SafetensorsFile.Load(weights);
        var model = new DinoVisionTransformer(config);
        StateDictLoader.Load(model, hf ? FromHfVit(state, weights) : state, weights, strict);
        model.eval();
        return model;
    }

    /// <summary>
    /// transformers ViT naming → DINO naming: <c>embeddings.cls_token</c> → <c>cls_token</c>, <c>embeddings.position_embeddings</c>
    /// → <c>pos_embed</c>, <c>embeddings.patch_embeddings.projection</c> → <c>patch_embed.proj</c>, per layer
    /// query/key/value concatenated into <c>attn.qkv</c>, <c>attention.output.dense</c> → <c>attn.proj</c>,
    /// <c>layernorm_before/after</c> → <c>norm1/2</c>, <c>intermediate.dense</c>/<c>output.dense</c> → <c>mlp.fc1/fc2</c>,
    /// <c>layernorm</c> → <c>norm</c>. A <c>vit.</c> prefix and the unused <c>pooler</c> are dropped.
    /// </summary>
    public static Dictionary<string, Tensor> FromHfVit(IReadOnlyDictionary<string, Tensor> hf, string source)
    {
        var input = hf.ToDictionary(kv => kv.Key.StartsWith("vit.", StringComparison.Ordinal) ? kv.Key[4..] : kv.Key, kv => kv.Value);
        var result = new Dictionary<string, Tensor>();
        var qkvParts = new Dictionary<string, Tensor?[]>();
        foreach (var (key, v) in input)
        {
            if (key.StartsWith("pooler.", StringComparison.Ordinal) || key.StartsWith("classifier.", StringComparison.Ordinal)) continue;
            string? mapped = key switch
            {
                "embeddings.cls_token" => "cls_token",
                "embeddings.position_embeddings" => "pos_embed",
                "embeddings.patch_embeddings.projection.weight" => "patch_embed.proj.weight",
                "embeddings.patch_embeddings.projection.bias" => "patch_embed.proj.bias",
                "layernorm.weight" => "norm.weight",
                "layernorm.bias" => "norm.bias",
                _ => null,
            };
            if (mapped != null) { result[mapped] = v; continue; }
            if (!key.StartsWith("encoder.layer.", StringComparison.Ordinal)) throw new InvalidDataException($"{source}: key '{key}' is not part of transformers' ViT naming.");
            string rest = key["encoder.layer.".Length..];
            string layer = rest[..rest.IndexOf('.')], part = rest[(rest.IndexOf('.') + 1)..];
            string p = $"blocks.{layer}.";
            int qkvIndex = part.StartsWith("attention.attention.query.", StringComparison.Ordinal) ? 0
                : part.StartsWith("attention.attention.key.", StringComparison.Ordinal) ? 1
                : part.StartsWith("attention.attention.value.", StringComparison.Ordinal) ? 2 : -1;
            if (qkvIndex >= 0)
            {
                string name = p + "attn.qkv." + part[(part.LastIndexOf('.') + 1)..];
                if (!qkvParts.TryGetValue(name, out var parts)) qkvParts[name] = parts = new Tensor?[3];
                parts[qkvIndex] = v;
                continue;
            }
            string? target = part switch
            {
                var s when s.StartsWith("attention.output.dense.", StringComparison.Ordinal) => "attn.proj." + s["attention.output.dense.".Length..],
                var s when s.StartsWith("layernorm_before.", StringComparison.Ordinal) => "norm1." + s["layernorm_before.".Length..],
                var s when s.StartsWith("layernorm_after.", StringComparison.Ordinal) => "norm2." + s["layernorm_after.".Length..],
                var s when s.StartsWith("intermediate.dense.", StringComparison.Ordinal) => "mlp.fc1." + s["intermediate.dense.".Length..],
                var s when s.StartsWith("output.dense.", StringComparison.Ordinal) => "mlp.fc2." + s["output.dense.".Length..],
                _ => null,
            };
            result[p + (target ?? throw new InvalidDataException($"{source}: key '{key}' is not part of transformers' ViT naming."))] = v;
        }
        foreach (var (name, parts) in qkvParts)
        {
            if (parts.Any(t => t is null)) throw new InvalidDataException($"{source}: {name}: query, key and value must all be present.");
            result[name] = cat(parts!, 0);
        }
        return result;
    }
}
