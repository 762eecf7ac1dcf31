using Uip2p.Analysis;
using Uip2p.Cec;
using Uip2p.Data;
using Uip2p.Imaging;
using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Tests.Training;
using Uip2p.Training;
using static TorchSharp.torch;

namespace Uip2p.Tests.Analysis;

public class HeatmapTests
{
    [Fact]
    public void Inferno_ends_at_matplotlibs_colours_and_brightens_monotonically()
    {
        var rgb = Colormap.Inferno.Apply(linspace(0, 1, 101).reshape(1, 101));   // [3, 1, 101]
        var c = rgb.reshape(3, 101);
        Assert.Equal(new[] { 0f, 0f, 4 / 255f }, c[.., 0].data<float>().ToArray(), new FloatEq(1e-6f));
        Assert.Equal(new[] { 0xFC / 255f, 1f, 0xA4 / 255f }, c[.., 100].data<float>().ToArray(), new FloatEq(1e-6f));
        var luminance = (0.2126f * c[0] + 0.7152f * c[1] + 0.0722f * c[2]).data<float>().ToArray();
        for (int i = 1; i < luminance.Length; i++) Assert.True(luminance[i] >= luminance[i - 1] - 1e-6f, $"darker at {i}");
    }

    [Fact]
    public void Overlay_blends_the_coloured_map_over_the_upsampled_image()
    {
        var image = full(3, 8, 8, 0.5f);
        var map = zeros(4, 4);
        map[0, 0] = tensor(1f);
        var scale = new HeatScale(0, 1);
        var plain = Heatmap.Overlay(image, map, scale, size: 32, alpha: 0);
        Assert.Equal(new long[] { 3, 32, 32 }, plain.shape);
        Assert.True(plain.allclose(full(3, 32, 32, 0.5f)));
        var colour = Heatmap.Overlay(image, map, scale, size: 32, alpha: 1);
        Assert.True(colour.allclose(Heatmap.Colorize(map, scale, 32)));
        // The top-left (value 1) is brighter than the bottom-right (value 0), which is inferno's black.
        Assert.True(colour[.., 0, 0].sum().item<float>() > colour[.., 31, 31].sum().item<float>() + 1);
        Assert.True(colour[.., 31, 31].allclose(tensor(new[] { 0f, 0f, 4 / 255f }), atol: 1e-5));
        var bar = Heatmap.ColorBar(50, 10);
        Assert.True(bar[.., 0, 0].allclose(Colormap.Inferno.Apply(ones(1, 1))[.., 0, 0]));
        Assert.True(bar[.., 49, 0].allclose(Colormap.Inferno.Apply(zeros(1, 1))[.., 0, 0]));
    }

    sealed class FloatEq(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float v) => 0;
    }
}

public class EditAttentionTests
{
    const string ClipTokenizerStart = Uip2p.Text.ClipTokenizer.StartToken;

    [Fact]
    public void Capture_keeps_the_conditioned_row_per_step_and_layer_and_restores_the_processors()
    {
        using var dir = new TempDir();
        var pipeline = TinyPipeline.Create(dir.Path, seed: 3);
        var image = rand(new long[] { 3, 32, 32 }, generator: Seeding.Generator(1));
        var options = new EditOptions { Steps = 3, Sampler = "ddim", Seed = 2 };
        using var a = EditAttention.Capture(pipeline, image, "make it red", options);

        int layers = pipeline.Unet.AttentionLayers().Count(l => l.IsCrossAttention);
        Assert.Equal(3 * layers, a.Store.Records.Count);
        Assert.Equal([0, 1, 2], a.Steps);
        Assert.All(a.Store.Records, r => Assert.Equal(1, r.Probabilities.shape[0]));   // only the fully conditioned third
        Assert.All(pipeline.Unet.AttentionLayers(), l => Assert.IsType<SdpaAttentionProcessor>(l.Processor));
        var encoded = pipeline.Tokenizer!.Encode("make it red");
        // Labels are the tokenizer's own, start and end included, padding left out (the tiny tokenizer spells by characters).
        Assert.Equal(pipeline.Tokenizer.Labels(encoded).Take(encoded.Length), a.Tokens);
        Assert.Equal(ClipTokenizerStart, a.Tokens[0]);

        var res = a.Resolutions[0];
        var maps = a.Aggregate(res);
        Assert.Equal(new long[] { a.Tokens.Count, res.Height, res.Width }, maps.shape);
        // Each position's attention over all tokens (padding included) sums to 1; the instruction's tokens take part of it.
        var total = a.Store.TokenMaps(res.Height, res.Width, r => r.Height == res.Height)[0].sum([0]);
        Assert.True(total.allclose(ones_like(total), atol: 1e-4), $"attention over the tokens sums to {total.min().item<float>()}…{total.max().item<float>()}");
        Assert.True(maps.sum([0]).max().item<float>() <= 1 + 1e-4);
        // The step map at one step and the layer map are means of the same records.
        string layer = a.Layers[0];
        var byHand = stack(a.Store.Records.Where(r => r.Layer == layer).Select(r => r.Maps()[0, 0, a.LastWord]).ToArray()).mean([0]);
        Assert.True(a.LayerMap(layer, a.LastWord).allclose(byHand, atol: 1e-6));
        Assert.Equal(a.Tokens.Count - 2, a.LastWord);
        Assert.Contains("'blue' is not one of the instruction's tokens", Assert.Throws<ArgumentException>(() => a.TokenIndex("blue")).Message);
    }

    [Fact]
    public void Cycle_attention_distances_add_up_to_the_steps_L_attn()
    {
        var components = EditingComponents.Load(TinyWorld.Components);
        var data = new EditDataset(TinyWorld.Data);
        var batches = new EditBatches(data, data.ReadAll(), 0, 64);
        using var batch = batches.Of(batches.Records.Take(3).ToList());
        using var c = CycleAttention.Measure(components.LoadEditor(), components, batch, seed: 4);
        Assert.Equal(c.Layers.Count, c.Forward.Count);
        // One map per image at the latent grid (the image side over the VAE's downsampling factor).
        long side = 64 / components.Vae.Config.DownsampleFactor;
        Assert.All(c.Forward, m => Assert.Equal(new long[] { 3, side, side }, m.shape));
        Assert.All(c.Forward.Concat(c.Reverse), m => Assert.InRange(m.min().item<float>(), 0f, 1f));
        // L_attn = mean over images of Σ_i ‖A_f(i) − A_r(i)‖₂.
        double mean = Enumerable.Range(0, 3).Average(c.Total);
        Assert.Equal(c.AttentionLoss, mean, 1e-4 * Math.Max(1, c.AttentionLoss));
        Assert.All(c.Layers, l => Assert.EndsWith("attn2", l));
    }
}
