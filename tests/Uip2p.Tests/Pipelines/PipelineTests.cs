using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using Uip2p.Schedulers;
using static TorchSharp.torch;

namespace Uip2p.Tests.Pipelines;

/// <summary>A tiny random-weight pipeline, written as a diffusers folder and loaded back, edits end to end on CPU.</summary>
public class PipelineTests
{
    static Tensor Photo(int h = 37, int w = 42) => rand([1, 3, h, w], generator: new Generator(5));

    [Fact]
    public void A_saved_tiny_pipeline_loads_and_edits_reproducibly()
    {
        using var dir = new TempDir();
        TinyPipeline.Create(dir.Path, seed: 1);
        foreach (string sub in new[] { "unet", "vae", "text_encoder", "tokenizer", "scheduler" })
            Assert.True(Directory.Exists(Path.Combine(dir.Path, sub)), sub);
        var pipeline = InstructPix2PixPipeline.Load(dir.Path);
        var options = new EditOptions { Steps = 4, Seed = 42 };
        var a = pipeline.Edit(Photo(), ["make it red"], options);
        Assert.Equal(new long[] { 1, 3, 36, 40 }, a.shape); // sides floored to the VAE factor (4 here, 8 for SD)
        Assert.True(a.isfinite().all().item<bool>());
        Assert.InRange(a.min().item<float>(), 0f, 1f);
        Assert.InRange(a.max().item<float>(), 0f, 1f);
        var b = pipeline.Edit(Photo(), ["make it red"], options);
        Assert.True(a.equal(b).all().item<bool>(), "same seed must give bit-identical output on CPU");
        var c = pipeline.Edit(Photo(), ["make it red"], options with { Seed = 43 });
        Assert.False(a.equal(c).all().item<bool>());
        var d = pipeline.Edit(Photo(), ["make it red"], options with { Sampler = "ddim" });
        Assert.Equal(a.shape, d.shape);
    }

    [Theory]
    [InlineData("ddim")]
    [InlineData("euler_a")]
    public void Strength_starts_from_the_noised_input_and_runs_the_last_steps(string sampler)
    {
        using var dir = new TempDir();
        var pipeline = TinyPipeline.Create(dir.Path);
        var seen = new List<float>();
        pipeline.Edit(Photo(32, 32), ["make it blue"], new EditOptions { Steps = 10, Sampler = sampler, Strength = 0.3, OnStep = s => seen.Add(s.Timestep) });
        var scheduler = SchedulerFactory.Create(sampler, pipeline.SchedulerConfig);
        scheduler.SetTimesteps(10);
        Assert.Equal(scheduler.Timesteps.Skip(7), seen);

        // The start is the scheduler's add_noise of the scaled input latent.
        var x0 = randn(1, 4, 4, 4);
        var eps = randn(1, 4, 4, 4);
        var noised = scheduler.NoiseTo(x0, eps, 7);
        var expected = sampler == "ddim"
            ? x0 * Math.Sqrt(scheduler.Schedule.AlphasCumprod[(int)scheduler.Timesteps[7]]) + eps * Math.Sqrt(1 - scheduler.Schedule.AlphasCumprod[(int)scheduler.Timesteps[7]])
            : x0 + eps * ((EulerAncestralScheduler)scheduler).Sigmas[7];
        Assert.True(noised.allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.Throws<ArgumentException>(() => pipeline.Edit(Photo(32, 32), ["x"], new EditOptions { Steps = 4, Strength = 0 }));
    }

    [Fact]
    public void Batches_take_one_instruction_each_or_one_for_all()
    {
        using var dir = new TempDir();
        var pipeline = TinyPipeline.Create(dir.Path);
        var images = rand(2, 3, 32, 32);
        Assert.Equal(2, pipeline.Edit(images, ["a", "b"], new EditOptions { Steps = 2 }).shape[0]);
        Assert.Equal(2, pipeline.Edit(images, ["a"], new EditOptions { Steps = 2 }).shape[0]);
        Assert.Throws<ArgumentException>(() => pipeline.Edit(images, ["a", "b", "c"], new EditOptions { Steps = 2 }));
    }

    [Fact]
    public void Guidance_equals_the_formula_by_hand()
    {
        var full = tensor(new float[] { 3 }); var img = tensor(new float[] { 2 }); var unc = tensor(new float[] { 1.5f });
        // ε = ε∅ + s_T(ε_full − ε_img) + s_I(ε_img − ε∅) = 1.5 + 7.5·1 + 1.5·0.5
        Assert.Equal(9.75f, DualGuidance.Combine(full, img, unc, 7.5, 1.5).item<float>(), 5);
        Assert.Equal(1.5f, DualGuidance.Combine(full, img, unc, 0, 0).item<float>(), 5);
        Assert.Equal(3f, DualGuidance.Combine(full, img, unc, 1, 1).item<float>(), 5);
    }

    [Fact]
    public void Captured_attention_sums_to_one_over_tokens_with_documented_shapes()
    {
        using var dir = new TempDir();
        var pipeline = TinyPipeline.Create(dir.Path);
        using var store = new AttentionStore(new AttentionStoreOptions { AverageHeads = false });
        store.Attach(pipeline.Unet);
        var edited = pipeline.Edit(rand(1, 3, 32, 32), ["turn the sky red"], new EditOptions { Steps = 2, Attention = store });
        int crossLayers = pipeline.Unet.AttentionLayers().Count(a => a.IsCrossAttention);
        Assert.Equal(2 * crossLayers, store.Records.Count); // every cross-attention layer at both steps
        foreach (var r in store.Records)
        {
            Assert.EndsWith("attn2", r.Layer);
            Assert.Equal(new long[] { 3, 8, r.Height * r.Width, 77 }, r.Probabilities.shape); // [CFG batch, heads, H·W, tokens]
            var sums = r.Probabilities.sum(-1);
            Assert.True((sums - 1).abs().max().item<float>() < 1e-5f, r.Layer);
        }
        Assert.Equal([(8, 8), (4, 4), (2, 2)], store.ByResolution().Select(g => g.Key).Order().Reverse()); // latent 8×8; the mid block runs at 2×2
        var maps = store.TokenMaps(8, 8);
        Assert.Equal(new long[] { 3, 77, 8, 8 }, maps.shape);
        AttentionStore.Detach(pipeline.Unet);
        Assert.All(pipeline.Unet.AttentionLayers(), a => Assert.IsType<SdpaAttentionProcessor>(a.Processor));
    }

    [Fact]
    public void Capturing_changes_nothing_and_can_keep_gradients_and_bound_memory()
    {
        using var dir = new TempDir();
        var pipeline = TinyPipeline.Create(dir.Path);
        var options = new EditOptions { Steps = 2, Seed = 3 };
        var plain = pipeline.Edit(rand([1, 3, 32, 32], generator: new Generator(9)), ["x"], options);
        using var store = new AttentionStore(new AttentionStoreOptions { AccumulateSteps = true, Rows = (0, 1) });
        store.Attach(pipeline.Unet);
        var captured = pipeline.Edit(rand([1, 3, 32, 32], generator: new Generator(9)), ["x"], options with { Attention = store });
        Assert.True((plain - captured).abs().max().item<float>() < 1e-4f);
        int crossLayers = pipeline.Unet.AttentionLayers().Count(a => a.IsCrossAttention);
        Assert.Equal(crossLayers, store.Records.Count); // one running sum per layer, not one per step
        Assert.All(store.Records, r => Assert.Equal((2, 1L, 1L), (r.Count, r.Probabilities.shape[0], r.Probabilities.shape[1])));

        // Differentiable capture: a loss on the maps reaches the UNet's weights.
        using var grads = new AttentionStore(new AttentionStoreOptions { KeepGradients = true });
        grads.Attach(pipeline.Unet);
        var x = randn(1, 8, 8, 8);
        var eps = pipeline.Unet.Forward(x, tensor(500f), randn(1, 77, 32));
        var loss = grads.LayerMaps([1, 2]).Select(m => m.Map.pow(2).sum()).Aggregate((p, q) => p + q);
        loss.backward();
        Assert.Contains(pipeline.Unet.named_parameters(), p => p.name.EndsWith("attn2.to_k.weight") && p.parameter.grad is not null && p.parameter.grad.abs().sum().item<float>() > 0);
        Assert.NotNull(eps);
    }

    [Fact]
    public void A_four_channel_unet_is_refused_with_a_reason()
    {
        using var dir = new TempDir();
        var tiny = TinyPipeline.Create(dir.Path);
        var four = new UNet2DConditionModel(TinyPipeline.UNetConfig with { InChannels = 4 });
        var e = Assert.Throws<ArgumentException>(() => new InstructPix2PixPipeline(four, tiny.Vae, new SchedulerConfig(), tiny.TextEncoder, tiny.Tokenizer));
        Assert.Contains("4 input channels", e.Message);
        Assert.Contains("WidenInput", e.Message);
    }

    [Fact]
    public void Widening_copies_the_first_channels_and_zeroes_the_new_ones()
    {
        var four = new UNet2DConditionModel(TinyPipeline.UNetConfig with { InChannels = 4 });
        four.eval();
        var eight = UNet2DConditionModel.WidenInput(four);
        eight.eval();
        Assert.Equal(8, eight.Config.InChannels);
        using var _ = no_grad();
        var x = randn(1, 4, 8, 8);
        var ctx = randn(1, 5, 32);
        var a = four.Forward(x, tensor(10L), ctx);
        var b = eight.Forward(cat([x, randn(1, 4, 8, 8)], 1), tensor(10L), ctx);
        Assert.True((a - b).abs().max().item<float>() < 1e-5f, "new image channels start at zero, so the output is unchanged");
    }

    [Theory]
    [InlineData("unet")]
    [InlineData("scheduler")]
    [InlineData("tokenizer")]
    public void A_missing_component_folder_is_named(string component)
    {
        using var dir = new TempDir();
        TinyPipeline.Create(dir.Path);
        Directory.Delete(Path.Combine(dir.Path, component), recursive: true);
        var e = Assert.Throws<DirectoryNotFoundException>(() => InstructPix2PixPipeline.Load(dir.Path));
        Assert.Contains($"'{component}/'", e.Message);
    }

    [Fact]
    public void Missing_index_or_config_is_named()
    {
        using var dir = new TempDir();
        TinyPipeline.Create(dir.Path);
        File.Delete(Path.Combine(dir.Path, "vae", "config.json"));
        Assert.Contains(Path.Combine("vae", "config.json"), Assert.Throws<FileNotFoundException>(() => InstructPix2PixPipeline.Load(dir.Path)).Message);
        File.Delete(Path.Combine(dir.Path, "model_index.json"));
        Assert.Contains("model_index.json", Assert.Throws<FileNotFoundException>(() => InstructPix2PixPipeline.Load(dir.Path)).Message);
    }

    [Fact]
    public void Unsupported_unet_options_are_refused_by_name()
    {
        var json = """{ "_class_name": "UNet2DConditionModel", "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "block_out_channels": [32, 64], "addition_embed_type": "text_time" }""";
        var e = Assert.Throws<InvalidDataException>(() => UNet2DConditionConfig.Read(Uip2p.Models.ConfigReader.FromJson(json, "unet/config.json")));
        Assert.Contains("addition_embed_type", e.Message);
        json = """{ "down_block_types": ["SimpleCrossAttnDownBlock2D"], "up_block_types": ["UpBlock2D"] }""";
        Assert.Contains("SimpleCrossAttnDownBlock2D", Assert.Throws<InvalidDataException>(() => UNet2DConditionConfig.Read(Uip2p.Models.ConfigReader.FromJson(json, "c"))).Message);
    }
}

public class FreshModelTests
{
    [Fact]
    public void Every_freshly_built_model_has_finite_parameters_and_unit_norms()
    {
        // TorchSharp's nn.GroupNorm leaves weight/bias uninitialised; our models must not.
        var models = new TorchSharp.torch.nn.Module[]
        {
            new UNet2DConditionModel(TinyPipeline.UNetConfig), new AutoencoderKL(TinyPipeline.VaeConfig),
            new Uip2p.Models.Clip.ClipModel(Uip2p.Models.Clip.ClipConfig.FromOpenAi(16, 32, 1, 64, 8, 77, 514, 32, 4, 1)),
            new Uip2p.Models.Dino.DinoVisionTransformer(new Uip2p.Models.Dino.DinoConfig { Depth = 1, EmbedDim = 48, NumHeads = 3, PatchSize = 8, ImageSize = 32 }),
        };
        foreach (var model in models)
            foreach (var (name, p) in model.named_parameters())
            {
                Assert.True(p.isfinite().all().item<bool>(), name);
                Assert.True(p.abs().max().item<float>() < 100, name);
                if (name.EndsWith("norm.weight") || name.Contains("norm1.weight") || name.Contains("norm2.weight") || name.EndsWith("norm_out.weight"))
                    Assert.True(p.eq(1).all().item<bool>(), name);
            }
    }
}
