using TorchSharp;
using TorchSharp.Modules;
using Uip2p.Checkpoints;
using Uip2p.Models;
using Uip2p.Models.Clip;
using Uip2p.Models.Dino;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.Tests.Parity;

/// <summary>Folder loading, config conventions and every kind of bad input, each with a message naming the file and key.</summary>
public class ClipLoadingTests
{
    [Fact]
    public void A_saved_folder_loads_back_and_reproduces_the_reference()
    {
        using var dir = new TempDir();
        ClipFolders.WriteTinyClipModel(dir.Path);
        var model = ClipCheckpoints.LoadModel(dir.Path);
        var fixture = OracleFixture.At(ClipFolders.TinyFixtureDir);
        var io = fixture.Io();
        using var _ = no_grad();
        fixture.AssertParity(model.EncodePreprocessedImage(io["image"]), io["image_features"], "reloaded image_features");
        Assert.Equal(4, ClipConfig.Read(ConfigReader.FromFile(dir.File("config.json"))).Text.NumAttentionHeads);
    }

    [Fact]
    public void Sharded_checkpoints_load_through_their_index()
    {
        using var dir = new TempDir();
        var state = SafetensorsFile.Load(Path.Combine(ClipFolders.TinyFixtureDir, "weights_hf.safetensors"));
        var keys = state.Keys.Order().ToList();
        var first = keys.Take(keys.Count / 2).ToDictionary(k => k, k => state[k]);
        var second = keys.Skip(keys.Count / 2).ToDictionary(k => k, k => state[k]);
        SafetensorsFile.Save(dir.File("model-00001-of-00002.safetensors"), first);
        SafetensorsFile.Save(dir.File("model-00002-of-00002.safetensors"), second);
        var map = keys.ToDictionary(k => k, k => first.ContainsKey(k) ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        File.WriteAllText(dir.File("model.safetensors.index.json"), System.Text.Json.JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));
        var loaded = SafetensorsFile.Load(dir.File("model.safetensors.index.json"));
        Assert.Equal(keys, loaded.Keys.Order());
    }

    [Fact]
    public void Every_epsilon_and_activation_comes_from_the_config()
    {
        var config = ClipConfig.FromOpenAi(16, 32, 2, 64, 8, 77, 49408, 32, 4, 2);
        config = config with
        {
            Text = config.Text with { LayerNormEps = 3e-4, HiddenAct = "gelu" },
            Vision = config.Vision with { LayerNormEps = 7e-3 },
        };
        var model = new ClipModel(config);
        var norms = model.named_modules().Where(m => m.module is LayerNorm).ToList();
        Assert.NotEmpty(norms);
        Assert.All(norms, m => Assert.Equal(m.name.StartsWith("text_model") ? 3e-4 : 7e-3, ((LayerNorm)m.module).eps));
        var mlps = model.named_modules().Where(m => m.module is ClipMlp).ToList();
        Assert.All(mlps, m => Assert.Equal(m.name.StartsWith("text_model") ? "gelu" : "quick_gelu", ((ClipMlp)m.module).Activation));

        var dino = new DinoVisionTransformer(new DinoConfig { Depth = 1, EmbedDim = 48, NumHeads = 3, PatchSize = 8, ImageSize = 32, LayerNormEps = 2e-6 });
        Assert.All(dino.modules().OfType<LayerNorm>(), n => Assert.Equal(2e-6, n.eps));
    }

    [Fact]
    public void Hf_config_json_is_read_with_its_epsilons_and_activation()
    {
        var json = """
        { "architectures": ["CLIPModel"], "projection_dim": 16,
          "text_config": { "hidden_size": 32, "num_attention_heads": 4, "num_hidden_layers": 1, "intermediate_size": 64, "layer_norm_eps": 1e-6, "hidden_act": "gelu" },
          "vision_config": { "hidden_size": 64, "num_attention_heads": 2, "num_hidden_layers": 1, "intermediate_size": 128, "image_size": 32, "patch_size": 8, "layer_norm_eps": 2e-5 } }
        """;
        var c = ClipConfig.Read(ConfigReader.FromJson(json, "config.json"));
        Assert.Equal((1e-6, "gelu", 2e-5, "quick_gelu", 16), (c.Text.LayerNormEps, c.Text.HiddenAct, c.Vision.LayerNormEps, c.Vision.HiddenAct, c.Vision.ProjectionDim));
    }

    [Theory]
    [InlineData("""{ "architectures": ["BertModel"] }""", "BertModel")]
    [InlineData("""{ "architectures": ["CLIPModel"], "text_config": { "hidden_size": 30, "num_attention_heads": 4 } }""", "'hidden_size' = 30 is not divisible")]
    [InlineData("""{ "architectures": ["CLIPModel"], "vision_config": { "image_size": 30, "patch_size": 8 } }""", "'image_size' = 30 is not a multiple")]
    [InlineData("""{ "architectures": ["CLIPModel"], "text_config": { "num_hidden_layers": -1 } }""", "'num_hidden_layers' = -1 is impossible")]
    [InlineData("""{ "architectures": ["CLIPModel"], "text_config": { "hidden_act": "swiglu9" } }""", "hidden_act 'swiglu9'")]
    [InlineData("""{ "architectures": ["CLIPModel"], "projection_dim": "big" }""", "'projection_dim' must be an integer")]
    public void Bad_configs_are_refused_naming_the_key(string json, string message)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), json);
        var e = Assert.Throws<InvalidDataException>(() => ClipConfig.Read(ConfigReader.FromFile(dir.File("config.json"))));
        Assert.Contains(message, e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void Malformed_config_json_names_the_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), "{\n  \"architectures\": [\"CLIPModel\"],\n  \"projection_dim\": 16\n  \"oops\": 1\n}");
        var e = Assert.Throws<InvalidDataException>(() => ConfigReader.FromFile(dir.File("config.json")));
        Assert.Contains("line 4", e.Message);
    }

    [Fact]
    public void Truncated_weights_are_refused_naming_file_and_key()
    {
        using var dir = new TempDir();
        ClipFolders.WriteTinyClipModel(dir.Path);
        byte[] bytes = File.ReadAllBytes(dir.File("model.safetensors"));
        File.WriteAllBytes(dir.File("model.safetensors"), bytes[..(bytes.Length * 2 / 3)]);
        var e = Assert.Throws<InvalidDataException>(() => ClipCheckpoints.LoadModel(dir.Path));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Matches("tensor '[a-z_.0-9]+'", e.Message);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("zero")]
    [InlineData("pickle")]
    public void Files_that_are_not_safetensors_are_refused(string kind)
    {
        using var dir = new TempDir();
        ClipFolders.WriteTinyClipModel(dir.Path);
        byte[] content = kind switch
        {
            "zero" => [],
            "pickle" => [0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x58, 0x05, 0, 0, 0, 0x68, 0x65, 0x6c, 0x6c, 0x6f], // a torch .bin starts like this
            _ => "this is not a weight file at all"u8.ToArray(),
        };
        File.WriteAllBytes(dir.File("model.safetensors"), content);
        var e = Assert.Throws<InvalidDataException>(() => ClipCheckpoints.LoadModel(dir.Path));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void A_wrongly_shaped_key_is_named_with_both_shapes()
    {
        using var dir = new TempDir();
        ClipFolders.WriteTinyClipModel(dir.Path);
        var state = SafetensorsFile.Load(dir.File("model.safetensors"));
        state["text_model.final_layer_norm.weight"] = zeros(31);
        state.Remove("visual_projection.weight");
        state["text_model.extra.weight"] = zeros(2);
        SafetensorsFile.Save(dir.File("model.safetensors"), state);
        var e = Assert.Throws<CheckpointMismatchException>(() => ClipCheckpoints.LoadModel(dir.Path));
        Assert.Contains("text_model.final_layer_norm.weight (model [32], file [31])", e.Message);
        Assert.Contains("missing: visual_projection.weight", e.Message);
        Assert.Contains("unexpected: text_model.extra.weight", e.Message);
        var lenient = ClipCheckpoints.LoadModel(dir.Path, strict: false); // the caller may opt out
        Assert.NotNull(lenient);
    }

    [Fact]
    public void Openai_keys_outside_the_naming_are_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => ClipCheckpoints.FromOpenAi(new Dictionary<string, Tensor> { ["visual.bogus.weight"] = zeros(1) }, "ViT-B-32.pt"));
        Assert.Contains("visual.bogus.weight", e.Message);
        Assert.Contains("ViT-B-32.pt", e.Message);
    }

    [Fact]
    public void Missing_model_files_are_named()
    {
        using var dir = new TempDir();
        Assert.Contains("config.json", Assert.Throws<FileNotFoundException>(() => ClipCheckpoints.LoadModel(dir.Path)).Message);
        File.WriteAllText(dir.File("config.json"), """{ "architectures": ["CLIPModel"] }""");
        Assert.Contains("no *.safetensors", Assert.Throws<FileNotFoundException>(() => ClipCheckpoints.LoadModel(dir.Path)).Message);
    }

    [Fact]
    public void Missing_and_corrupt_tokenizer_files_are_named()
    {
        using var dir = new TempDir();
        Assert.Throws<DirectoryNotFoundException>(() => ClipTokenizer.FromFolder(dir.File("nope")));
        Assert.Contains("vocab.json", Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromFolder(dir.Path)).Message);
        File.WriteAllText(dir.File("vocab.json"), "{ not json");
        Assert.Contains("vocab.json", Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFolder(dir.Path)).Message);
        File.WriteAllText(dir.File("vocab.json"), """{ "a": 0, "b": 1 }""");
        Assert.Contains("merges.txt", Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromFolder(dir.Path)).Message);
        File.WriteAllText(dir.File("merges.txt"), "#version: 0.2\na b\n");
        Assert.Contains("merge", Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFolder(dir.Path)).Message); // "ab" is not in the vocabulary
        File.WriteAllText(dir.File("vocab.json"), """{ "a": 0, "b": 1, "ab": 2 }""");
        Assert.Contains("<|startoftext|>", Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFolder(dir.Path)).Message);
        File.WriteAllText(dir.File("bpe.txt.gz"), "not gzip");
        Assert.Contains("bpe.txt.gz", Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromOpenAiBpe(dir.File("bpe.txt.gz"))).Message);
    }

    [Fact]
    public void Preprocessing_is_differentiable_to_the_pixels()
    {
        var model = new ClipModel(ClipConfig.FromOpenAi(16, 32, 1, 64, 8, 77, 49408, 32, 4, 1));
        var pixels = rand(2, 3, 50, 70).requires_grad_();
        var emb = model.EncodeImage(pixels);
        Assert.Equal(new long[] { 2, 16 }, emb.shape);
        emb.sum().backward();
        Assert.True(pixels.grad!.abs().sum().item<float>() > 0);
        var dino = new DinoVisionTransformer(new DinoConfig { Depth = 1, EmbedDim = 48, NumHeads = 3, PatchSize = 16, ImageSize = 224 });
        Assert.Equal(new long[] { 2, 48 }, dino.call(DinoPreprocessing.Apply(rand(2, 3, 300, 260))).shape);
    }

    [Fact]
    public void Direction_similarity_follows_the_formula()
    {
        var i0 = tensor(new float[] { 1, 0, 0 }).unsqueeze(0); var i1 = tensor(new float[] { 1, 1, 0 }).unsqueeze(0);
        var t0 = tensor(new float[] { 0, 0, 1 }).unsqueeze(0); var t1 = tensor(new float[] { 0, 2, 1 }).unsqueeze(0);
        Assert.Equal(1.0f, ClipSimilarity.Direction(i0, i1, t0, t1).item<float>(), 5);
        Assert.Equal(0.0f, ClipSimilarity.Cosine(i0, t0).item<float>(), 5);
    }
}
