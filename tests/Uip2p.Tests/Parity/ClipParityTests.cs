using Uip2p.Checkpoints;
using Uip2p.Models.Clip;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uip2p.Tests.Parity;

/// <summary>CLIP against openai/CLIP (fixtures whose reference class is clip.model.CLIP), in both namings.</summary>
public class ClipParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => OracleFixture.Dirs(c => c == "clip.model.CLIP");

    internal static ClipConfig ConfigOf(OracleFixture f)
    {
        var a = f.Config.Section("constructor_args");
        return ClipConfig.FromOpenAi(a.Int("embed_dim"), a.Int("image_resolution"), a.Int("vision_layers"), a.Int("vision_width"),
            a.Int("vision_patch_size"), a.Int("context_length"), a.Int("vocab_size"), a.Int("transformer_width"),
            a.Int("transformer_heads"), a.Int("transformer_layers"));
    }

    [Fact]
    public void There_are_clip_fixtures() => Assert.NotEmpty(Fixtures);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Openai_and_hf_namings_reproduce_the_reference(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var config = ConfigOf(f);
        var weights = new Dictionary<string, Func<Dictionary<string, Tensor>>>
        {
            ["openai naming"] = () => ClipCheckpoints.FromOpenAi(SafetensorsFile.Load(Path.Combine(dir, "weights.safetensors")), "weights.safetensors"),
        };
        if (File.Exists(Path.Combine(dir, "weights_hf.safetensors")))
            weights["hf naming"] = () => SafetensorsFile.Load(Path.Combine(dir, "weights_hf.safetensors"));

        foreach (var (naming, load) in weights)
        {
            var model = new ClipModel(config);
            var report = ClipCheckpoints.Load(model, load(), naming);
            Assert.True(report.IsClean, report.ToString());
            model.eval();
            using var _ = no_grad();
            double worst = 0, noise = f.FloatNoise;
            var image = io["image"];
            worst = Math.Max(worst, f.AssertParity(model.EncodePreprocessedImage(image), io["image_features"], noise, $"{f.Name} {naming} image_features"));
            using (var v = model.VisionStates(image))
                worst = Math.Max(worst, f.AssertParity(v.Pooled, io["dbg.vision_pooled"], noise, $"{f.Name} {naming} vision pooled"));
            foreach (string pad in new[] { "sdpad", "pad0" })
            {
                var ids = io[$"text_ids_{pad}"].to(ScalarType.Int64);
                using var states = model.TextStates(ids);
                worst = Math.Max(worst, f.AssertParity(states.LastHiddenState, io[$"last_hidden_{pad}"], noise, $"{f.Name} {naming} last_hidden_{pad}"));
                worst = Math.Max(worst, f.AssertParity(states.Pooled, io[$"text_pooled_{pad}"], noise, $"{f.Name} {naming} text_pooled_{pad}"));
                worst = Math.Max(worst, f.AssertParity(model.EncodeText(ids), io[$"text_features_{pad}"], noise, $"{f.Name} {naming} text_features_{pad}"));
            }
            worst = Math.Max(worst, f.AssertParity(model.forward(image, io["text_ids_sdpad"].to(ScalarType.Int64)), io["logits_per_image"], noise, $"{f.Name} {naming} logits"));
            output.WriteLine($"{f.Name} ({naming}): max abs error {worst:E2} over every output");
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Text_encoder_alone_loads_the_hf_text_keys(string dir)
    {
        // Stable Diffusion's text_encoder is CLIPTextModel: the text_model.* keys of a CLIPModel file.
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var state = ClipCheckpoints.FromOpenAi(SafetensorsFile.Load(Path.Combine(dir, "weights.safetensors")), "weights");
        var textOnly = state.Where(kv => kv.Key.StartsWith("text_model.", StringComparison.Ordinal)).ToDictionary();
        // An older transformers checkpoint also holds position_ids: both load.
        textOnly["text_model.embeddings.position_ids"] = arange(77, dtype: ScalarType.Int64).unsqueeze(0);
        var model = new ClipTextModel(ConfigOf(f).Text);
        Assert.True(ClipCheckpoints.Load(model, textOnly, "text").IsClean);
        using var _ = no_grad();
        using var states = model.call(io["text_ids_sdpad"].to(ScalarType.Int64));
        f.AssertParity(states.LastHiddenState, io["last_hidden_sdpad"], "text encoder last_hidden_sdpad");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Half_precision_files_load_into_the_requested_dtype(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var state = ClipCheckpoints.FromOpenAi(SafetensorsFile.Load(Path.Combine(dir, "weights.safetensors")), "weights");
        using var tmp = new TempDir();
        foreach (var dtype in new[] { ScalarType.Float16, ScalarType.BFloat16 })
        {
            string path = tmp.File($"{dtype}.safetensors");
            SafetensorsFile.Save(path, state.ToDictionary(kv => kv.Key, kv => kv.Value.to(dtype)));
            Assert.All(SafetensorsFile.ReadHeader(path).Values, h => Assert.Equal(dtype == ScalarType.Float16 ? "F16" : "BF16", h.DType));
            var model = new ClipModel(ConfigOf(f));
            ClipCheckpoints.Load(model, SafetensorsFile.Load(path), path);
            Assert.Equal(ScalarType.Float32, model.parameters().First().dtype);
            model.eval();
            using var _ = no_grad();
            // Rounding the weights to 16 bits moves the output, but not far.
            double tol = dtype == ScalarType.Float16 ? 0.02 : 0.15;
            OracleFixture.AssertClose(model.EncodePreprocessedImage(io["image"]), io["image_features"], tol, $"{dtype} image_features");
        }
    }
}
