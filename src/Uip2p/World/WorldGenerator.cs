using static TorchSharp.torch;
using Uip2p.Runtime;

namespace Uip2p.World;

/// <summary>How a "Prompt-to-Prompt-biased" ground truth differs from the clean one (Fig. 2 of the paper): each with its probability.</summary>
public sealed record BiasOptions(double BackgroundShift = 0, double OtherObjectColour = 0, double GlobalTint = 0)
{
    public static BiasOptions Uniform(double p) => new(p, p, p);
    public bool Any => BackgroundShift > 0 || OtherObjectColour > 0 || GlobalTint > 0;
}

/// <summary>One generated edit with every image the world knows.</summary>
public sealed record WorldSample(
    string Id, Scene Input, WorldEdit Edit, string InputCaption, string EditedCaption,
    Tensor InputImage, Tensor EditedImage, Tensor EditedImageClean, Tensor EditMask, IReadOnlyList<string> BiasApplied,
    string? Session = null, int Turn = 0);

/// <summary>
/// The embedded world: deterministic from a seed, streaming, sample <c>i</c> reproducible on its own
/// (its random source is derived from (seed, i)), which is also what a resumed training run needs.
/// </summary>
public sealed class WorldGenerator(int seed, int imageSize = 64, BiasOptions? bias = null, IReadOnlyCollection<EditKind>? kinds = null)
{
    public int Seed { get; } = seed;
    public int ImageSize { get; } = imageSize;
    public BiasOptions Bias { get; } = bias ?? new BiasOptions();

    /// <summary>The random source of sample <paramref name="index"/>.</summary>
    public Random RandomFor(long index) => new(StableSeed.Of(Seed, index, 0x5eed));

    /// <summary>Samples 0, 1, 2, … (endless).</summary>
    public IEnumerable<WorldSample> Samples(long start = 0)
    {
        for (long i = start; ; i++) yield return Sample(i);
    }

    /// <summary>Sample <paramref name="index"/>: a random scene, a random applicable edit, captions, images and the edit-region mask.</summary>
    public WorldSample Sample(long index)
    {
        var random = RandomFor(index);
        while (true)
        {
            var scene = Scene.Random(random);
            if (EditGenerator.Random(scene, random, kinds) is { } edit)
                return Build($"w{Seed}-{index:D7}", edit, random);
        }
    }

    /// <summary>A multi-turn session of 2–3 chained edits; turn k's input is turn k−1's clean ground truth.</summary>
    public IReadOnlyList<WorldSample> Session(long index, int? turns = null)
    {
        var random = new Random(StableSeed.Of(Seed, index, 0x5e55));
        int n = turns ?? random.Next(2, 4);
        while (true)
        {
            var scene = Scene.Random(random);
            var samples = new List<WorldSample>();
            for (int t = 0; t < n; t++)
            {
                var edit = EditGenerator.Random(scene, random, kinds);
                if (edit == null) break;
                samples.Add(Build($"s{Seed}-{index:D6}-t{t}", edit, random) with { Session = $"s{Seed}-{index:D6}", Turn = t });
                scene = edit.After;
            }
            if (samples.Count == n) return samples;
        }
    }

    WorldSample Build(string id, WorldEdit edit, Random random)
    {
        using var scope = NewDisposeScope();
        var input = Renderer.Render(edit.Before, ImageSize);
        var clean = Renderer.Render(edit.After, ImageSize);
        var mask = EditMask(input, clean, edit);
        var (biased, applied) = ApplyBias(edit, clean, random);
        return new WorldSample(id, edit.Before, edit, Captioner.Caption(edit.Before, random), Captioner.Caption(edit.After, random),
            input.MoveToOuterDisposeScope(), biased.MoveToOuterDisposeScope(), clean.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), applied);
    }

    /// <summary>Pixels the edit changes, grown by one pixel; everything for global edits. <c>[1, H, W]</c> in {0, 1}.</summary>
    static Tensor EditMask(Tensor before, Tensor after, WorldEdit edit)
    {
        if (edit.IsGlobal) return ones(1, before.shape[1], before.shape[2]);
        var changed = (after - before).abs().amax([0], keepdim: true).gt(1.5 / 255).to(ScalarType.Float32);
        return nn.functional.max_pool2d(changed.unsqueeze(0), 3, stride: 1, padding: 1).squeeze(0);
    }

    (Tensor Image, List<string> Applied) ApplyBias(WorldEdit edit, Tensor clean, Random random)
    {
        var applied = new List<string>();
        if (!Bias.Any) return (clean.clone(), applied);
        var after = edit.After;
        if (random.NextDouble() < Bias.OtherObjectColour)
        {
            var touched = edit.Before.Objects.Intersect(after.Objects).ToList(); // objects the edit did not change
            if (touched.Count > 0)
            {
                var o = touched[random.Next(touched.Count)];
                var colours = WorldVocabulary.Colours.Select(c => c.Name).Where(c => c != o.Colour && after.Find(c, o.Shape) == null).ToList();
                after = after.Replace(o, o with { Colour = colours[random.Next(colours.Count)] });
                applied.Add("other_object_colour");
            }
        }
        var image = applied.Count > 0 ? Renderer.Render(after, ImageSize) : clean.clone();
        if (random.NextDouble() < Bias.BackgroundShift)
        {
            var backgroundOnly = Renderer.Render(after with { Objects = [] }, ImageSize);
            var isBackground = (image - backgroundOnly).abs().amax([0], keepdim: true).lt(1e-4);
            var shift = tensor(new[] { (float)(random.NextDouble() - 0.5) * 0.3f, (float)(random.NextDouble() - 0.5) * 0.3f, (float)(random.NextDouble() - 0.5) * 0.3f }).view(3, 1, 1);
            image = where(isBackground, (image + shift).clamp(0, 1), image);
            applied.Add("background_shift");
        }
        if (random.NextDouble() < Bias.GlobalTint)
        {
            var tint = tensor(new[] { 1 + (float)(random.NextDouble() - 0.5) * 0.4f, 1 + (float)(random.NextDouble() - 0.5) * 0.4f, 1 + (float)(random.NextDouble() - 0.5) * 0.4f }).view(3, 1, 1);
            image = (image * tint).clamp(0, 1);
            applied.Add("global_tint");
        }
        return (image, applied);
    }
}
