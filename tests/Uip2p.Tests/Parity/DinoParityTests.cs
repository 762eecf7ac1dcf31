using Uip2p.Checkpoints;
using Uip2p.Models.Dino;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uip2p.Tests.Parity;

/// <summary>DINO against facebookresearch/dino (fixtures whose reference class is vision_transformer.VisionTransformer).</summary>
public class DinoParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => OracleFixture.Dirs(c => c == "vision_transformer.VisionTransformer");

    [Fact]
    public void There_are_dino_fixtures() => Assert.NotEmpty(Fixtures);

    static DinoVisionTransformer Load(OracleFixture f)
    {
        var args = f.Config.Section("constructor_args");
        var config = DinoConfig.FromDinoArgs(args) with { LayerNormEps = 1e-6 }; // DINO's partial(nn.LayerNorm, eps=1e-6)
        var model = new DinoVisionTransformer(config);
        var report = StateDictLoader.Load(model, SafetensorsFile.Load(Path.Combine(f.Dir, "weights.safetensors")), f.Name);
        Assert.True(report.IsClean, report.ToString());
        model.eval();
        return model;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Cls_and_tokens_match_the_reference(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var model = Load(f);
        using var _ = no_grad();
        double e1 = f.AssertParity(model.call(io["image"]), io["cls"], $"{f.Name} cls");
        double e2 = f.AssertParity(model.Tokens(io["image"]), io["tokens_normed"], $"{f.Name} tokens_normed");
        double e3 = 0;
        if (io.ContainsKey("image_interp"))
            e3 = f.AssertParity(model.call(io["image_interp"]), io["cls_interp"], $"{f.Name} cls_interp (position interpolation)");
        output.WriteLine($"{f.Name}: cls {e1:E2}, tokens {e2:E2}, interpolated {e3:E2}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Transformers_vit_naming_maps_to_dino(string dir)
    {
        // Write the fixture's weights in transformers' ViTModel naming (as facebook/dino-vits16 ships), then load them back.
        var f = OracleFixture.At(dir);
        var dino = SafetensorsFile.Load(Path.Combine(dir, "weights.safetensors"));
        var hf = new Dictionary<string, Tensor>
        {
            ["embeddings.cls_token"] = dino["cls_token"],
            ["embeddings.position_embeddings"] = dino["pos_embed"],
            ["embeddings.patch_embeddings.projection.weight"] = dino["patch_embed.proj.weight"],
            ["embeddings.patch_embeddings.projection.bias"] = dino["patch_embed.proj.bias"],
            ["layernorm.weight"] = dino["norm.weight"],
            ["layernorm.bias"] = dino["norm.bias"],
            ["pooler.dense.weight"] = zeros(4, 4),
        };
        int depth = f.Config.Section("constructor_args").Int("depth");
        for (int i = 0; i < depth; i++)
        {
            string b = $"blocks.{i}.", l = $"encoder.layer.{i}.";
            foreach (string kind in new[] { "weight", "bias" })
            {
                var qkv = dino[b + "attn.qkv." + kind].chunk(3, 0);
                hf[l + "attention.attention.query." + kind] = qkv[0];
                hf[l + "attention.attention.key." + kind] = qkv[1];
                hf[l + "attention.attention.value." + kind] = qkv[2];
                hf[l + "attention.output.dense." + kind] = dino[b + "attn.proj." + kind];
                hf[l + "layernorm_before." + kind] = dino[b + "norm1." + kind];
                hf[l + "layernorm_after." + kind] = dino[b + "norm2." + kind];
                hf[l + "intermediate.dense." + kind] = dino[b + "mlp.fc1." + kind];
                hf[l + "output.dense." + kind] = dino[b + "mlp.fc2." + kind];
            }
        }
        var mapped = DinoCheckpoints.FromHfVit(hf, "hf");
        Assert.Equal(dino.Keys.Order(), mapped.Keys.Order());
        foreach (var key in dino.Keys) Assert.True(dino[key].equal(mapped[key]).all().item<bool>(), key);
    }
}
