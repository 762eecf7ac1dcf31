using Uip2p.Runtime;
using static TorchSharp.torch;

namespace Uip2p.World.Pretraining;

/// <summary>The scenes of one step of a stage: the step (it seeds the step's captions and draws) and the scenes' indices.</summary>
public sealed record SceneBatch(int Step, int[] Indices)
{
    /// <summary>The indices as record names, for an error that must name the batch.</summary>
    public IReadOnlyList<string> Ids => Indices.Select(i => $"scene-{i}").ToList();
}

/// <summary>
/// The rendered training data every pretraining stage draws from, made once from the config's seed: the captioned
/// scenes (a share in black and white), the VAE's denser scenes with their object masks, and each scene's shape twin
/// (the same scene with one object's shape changed: CLIP's hard negative). Tensors live outside any dispose scope.
/// </summary>
public sealed class PretrainScenes
{
    public required PretrainConfig Config { get; init; }
    public required Scene[] Scenes { get; init; }
    /// <summary><c>[N,3,H,W]</c> in [0,1].</summary>
    public required Tensor Images { get; init; }
    /// <summary>The VAE's training scenes (up to <see cref="PretrainConfig.VaeMaxObjects"/> objects), <c>[N,3,H,W]</c>.</summary>
    public required Tensor VaeImages { get; init; }
    /// <summary><c>[N,1,H,W]</c>: 1 where an object of a VAE scene is drawn (pixels that differ from the bare background).</summary>
    public required Tensor ObjectMasks { get; init; }
    public required Scene[] Twins { get; init; }
    public required Tensor TwinImages { get; init; }

    public static PretrainScenes Render(PretrainConfig config)
    {
        var random = new Random(config.Seed);
        Scene Grey(Scene scene, Random r) => r.NextDouble() < config.GrayscaleShare ? scene with { Grayscale = true } : scene;
        var scenes = Enumerable.Range(0, config.Scenes).Select(_ => Grey(Scene.Random(random), random)).ToArray();
        var images = Draw(scenes, config.ImageSize);
        var vaeScenes = scenes;
        var vaeImages = images;
        if (config.VaeMaxObjects is int most)
        {
            var vaeRandom = new Random(StableSeed.Of(config.Seed, "vae-scenes"));
            vaeScenes = scenes.Select(_ => Grey(Scene.Random(vaeRandom, vaeRandom.Next(1, most + 1)), vaeRandom)).ToArray();
            vaeImages = Draw(vaeScenes, config.ImageSize);
        }
        Tensor masks;
        using (var background = Draw(vaeScenes.Select(s => s with { Objects = [] }).ToArray(), config.ImageSize))
            masks = (vaeImages - background).abs().amax([1], keepdim: true).gt(1 / 255.0).to(ScalarType.Float32);
        masks.DetachFromDisposeScope();
        var twins = scenes.Select((s, i) => ShapeTwin(s, new Random(StableSeed.Of(config.Seed, "twin", i)))).ToArray();
        return new PretrainScenes
        {
            Config = config, Scenes = scenes, Images = images, VaeImages = vaeImages, ObjectMasks = masks, Twins = twins,
            TwinImages = Draw(twins, config.ImageSize),
        };
    }

    /// <summary>The scenes of a step (deterministic from seed, stage and step, so a resumed stage sees the same batches).</summary>
    public SceneBatch Batch(string stage, int step, int size)
    {
        var random = new Random(StableSeed.Of(Config.Seed, stage, step));
        return new SceneBatch(step, Enumerable.Range(0, size).Select(_ => random.Next(Scenes.Length)).ToArray());
    }

    /// <summary>The rows <paramref name="idx"/> of a tensor of all scenes.</summary>
    public static Tensor Rows(Tensor all, int[] idx) => all.index_select(0, tensor(idx.Select(i => (long)i).ToArray()));

    /// <summary>Scenes rendered in parallel into one tensor <c>[N,3,H,W]</c> in [0,1], outside any dispose scope.</summary>
    static Tensor Draw(Scene[] scenes, int size)
    {
        var pixels = new float[(long)scenes.Length * 3 * size * size];
        Parallel.For(0, scenes.Length, i =>
        {
            var rgb = Renderer.RenderRgb(scenes[i], size);
            Array.Copy(rgb, 0, pixels, (long)i * rgb.Length, rgb.Length);
        });
        var t = tensor(pixels, [scenes.Length, 3, size, size]);
        t.DetachFromDisposeScope();
        return t;
    }

    /// <summary>The same scene with one object's shape changed (colour, size and place kept): a negative only shape tells apart.</summary>
    static Scene ShapeTwin(Scene scene, Random random)
    {
        var o = scene.Objects[random.Next(scene.Objects.Count)];
        var shapes = WorldVocabulary.Shapes.Where(sh => sh != o.Shape && scene.Find(o.Colour, sh) == null).ToList();
        return shapes.Count == 0 ? scene : scene.Replace(o, o with { Shape = shapes[random.Next(shapes.Count)] });
    }
}
