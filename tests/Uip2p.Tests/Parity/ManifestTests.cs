using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Uip2p.Models.Clip;
using Uip2p.Models.Dino;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uip2p.Tests.Parity;

/// <summary>Full-size models built from their configs have exactly the keys and shapes of the reference manifests.</summary>
public class ManifestTests(ITestOutputHelper output)
{
    internal static Dictionary<string, long[]> Manifest(string name)
    {
        string path = Path.Combine(TestPaths.Oracle, "manifests", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(x => x.GetInt64()).ToArray());
    }

    internal static void AssertMatches(Dictionary<string, long[]> manifest, IEnumerable<(string Key, long[] Shape)> model, string what)
    {
        var got = model.ToDictionary(p => p.Key, p => p.Shape);
        var missing = manifest.Keys.Except(got.Keys).ToList();
        var extra = got.Keys.Except(manifest.Keys).ToList();
        var wrong = manifest.Keys.Intersect(got.Keys).Where(k => !manifest[k].SequenceEqual(got[k])).ToList();
        Assert.True(missing.Count + extra.Count + wrong.Count == 0,
            $"{what}: missing {string.Join(", ", missing.Take(5))}; extra {string.Join(", ", extra.Take(5))}; wrong shape {string.Join(", ", wrong.Take(5))}");
    }

    internal static IEnumerable<(string, long[])> Shapes(nn.Module m) => m.state_dict().Select(kv => (kv.Key, kv.Value.shape));

    // The released configs (transformers' config.json of openai/clip-vit-large-patch14 and -base-patch32).
    internal static readonly ClipConfig VitL14 = ClipConfig.FromOpenAi(768, 224, 24, 1024, 14, 77, 49408, 768, 12, 12);
    internal static readonly ClipConfig VitB32 = ClipConfig.FromOpenAi(512, 224, 12, 768, 32, 77, 49408, 512, 8, 12);

    [Fact]
    public void Clip_vit_l14_in_every_layout()
    {
        var sw = Stopwatch.StartNew();
        long before = Environment.WorkingSet;
        var model = new ClipModel(VitL14);
        output.WriteLine($"ViT-L/14 CLIPModel built in {sw.Elapsed.TotalSeconds:F1} s, {model.parameters().Sum(p => p.numel()):N0} parameters, working set +{(Environment.WorkingSet - before) / 1e6:F0} MB");
        AssertMatches(Manifest("clip-vit-l-14.hf.json"), Shapes(model), "CLIPModel ViT-L/14");
        model.Dispose();

        using (var text = new ClipTextModel(VitL14.Text))
            AssertMatches(Manifest("clip-vit-l-14.hf-text-model.json"), Shapes(text), "CLIPTextModel (SD1.5 text_encoder)");
        using (var vision = new ClipVisionModelWithProjection(VitL14.Vision))
            AssertMatches(Manifest("clip-vit-l-14.hf-vision-with-projection.json"), Shapes(vision), "CLIPVisionModelWithProjection");
    }

    [Theory]
    [InlineData("clip-vit-l-14.openai.json", "clip-vit-l-14.hf.json")]
    [InlineData("clip-vit-b-32.openai.json", "clip-vit-b-32.hf.json")]
    public void Openai_manifest_maps_to_the_hf_manifest_and_infers_the_config(string openaiName, string hfName)
    {
        var openai = Manifest(openaiName).ToDictionary(kv => kv.Key, kv => empty(kv.Value, device: new Device("meta")));
        var mapped = ClipCheckpoints.FromOpenAi(openai, openaiName);
        AssertMatches(Manifest(hfName), mapped.Select(kv => (kv.Key, kv.Value.shape)), $"{openaiName} → HF");
        var inferred = ClipCheckpoints.InferOpenAiConfig(openai, openaiName);
        Assert.Equal(openaiName.Contains("l-14") ? VitL14 : VitB32, inferred);
    }

    [Fact]
    public void Clip_vit_b32()
    {
        using var model = new ClipModel(VitB32);
        AssertMatches(Manifest("clip-vit-b-32.hf.json"), Shapes(model), "CLIPModel ViT-B/32");
    }

    [Fact]
    public void Dino_vit_s16()
    {
        using var model = new DinoVisionTransformer(new DinoConfig());
        AssertMatches(Manifest("dino-vits16.json"), Shapes(model), "DINO ViT-S/16");
    }
}
