using Uip2p.Cec;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Tests.Training;
using static TorchSharp.torch;

namespace Uip2p.Tests.Cec;

/// <summary>The shifted views the CLIP losses can average over (<see cref="CecOptions.ClipViews"/>).</summary>
public class ClipViewsTests
{
    [Fact]
    public void A_shift_moves_the_content_and_replicates_the_edges()
    {
        var image = zeros(1, 1, 8, 8);
        image[0, 0, 3, 4] = tensor(1f);
        var moved = ClipViews.Shift(image, dx: 2, dy: -1, pad: 2);
        Assert.Equal(image.shape, moved.shape);
        // The view's pixel (y, x) is the image's (y + dy, x + dx): content moves by (−dx, −dy).
        Assert.Equal(1f, moved[0, 0, 4, 2].item<float>());
        Assert.Equal(1f, moved.sum().item<float>());
        var ramp = arange(8, dtype: ScalarType.Float32).reshape(1, 1, 1, 8).expand(1, 1, 8, 8);
        // Past the right edge the last column repeats.
        Assert.Equal(7f, ClipViews.Shift(ramp, dx: 2, dy: 0, pad: 2)[0, 0, 0, 7].item<float>());
        Assert.Same(image, ClipViews.Shift(image, 0, 0, pad: 2));
    }

    [Fact]
    public void Views_are_drawn_from_the_generator_and_average_the_shifted_embeddings()
    {
        var clip = EditingComponents.Load(TinyWorld.Components).Clip;   // first: the tiny world may be pretrained here, with gradients
        using var _ = no_grad();
        var images = rand(2, 3, 64, 64, generator: Seeding.Generator(3));
        Assert.Same(ClipViews.Identity, ClipViews.Draw(1, 2, Seeding.Generator(1)));
        Assert.Same(ClipViews.Identity, ClipViews.Draw(4, 0, Seeding.Generator(1)));
        Assert.Equal(0f, (ClipViews.Identity.Embed(clip, images) - clip.EncodeImage(images)).abs().max().item<float>());

        var views = ClipViews.Draw(4, 2, Seeding.Generator(1));
        Assert.Equal(4, views.Count);
        var again = ClipViews.Draw(4, 2, Seeding.Generator(1));
        var mean = views.Embed(clip, images);
        Assert.Equal(0f, (mean - again.Embed(clip, images)).abs().max().item<float>());
        Assert.Equal([2L, clip.EncodeImage(images).shape[1]], mean.shape);
        // Not the unshifted embedding alone, yet close to it: shifts of ≤ 2 px barely move a CLIP trained with them.
        var single = clip.EncodeImage(images);
        Assert.False(mean.allclose(single, rtol: 0, atol: 1e-6));
        Assert.True(nn.functional.cosine_similarity(mean, single).min().item<float>() > 0.5f);
    }

    [Fact]
    public void A_cec_step_with_views_runs_and_keeps_its_gradients()
    {
        var components = EditingComponents.Load(TinyWorld.Components);
        var dataset = new Uip2p.Data.EditDataset(TinyWorld.Data);
        using var batch = new Uip2p.Data.EditBatches(dataset, dataset.ReadAll(), seed: 0, resolution: 64).Batch(0, 2);
        var unet = components.LoadEditor();
        var result = new CecStep(unet, components, new CecOptions { ConditioningDropout = 0, ClipViews = 3 }).Run(batch, Seeding.Generator(1));
        result.Total.backward();
        Assert.True(float.IsFinite(result.Clip.item<float>()));
        Assert.True(unet.named_parameters().First(p => p.name == "conv_out.weight").parameter.grad is { } g && g.abs().sum().item<float>() > 0);
    }
}
