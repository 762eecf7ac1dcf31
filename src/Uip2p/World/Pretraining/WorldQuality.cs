using TorchSharp;
using Uip2p.Models.Clip;
using Uip2p.Pipelines;
using Uip2p.Text;
using Uip2p.World;
using static TorchSharp.torch;

namespace Uip2p.World.Pretraining;

/// <summary>The quality bars of the pretrained world components, measured on held-out scenes.</summary>
/// <remarks>
/// <see cref="VaeObjectsRead"/>: the share of objects whose colour and shape the scene reader recovers, in their slot, from
/// VAE round trips; <see cref="VaeColoursRead"/> and <see cref="VaeShapesRead"/> count each attribute alone.
/// </remarks>
public sealed record WorldQualityReport(double VaePsnr, double ClipTop1Of16, double ColourProbe, double ShapeProbe, double TextToImageRightCaption,
    double VaeObjectsRead, double VaeColoursRead = double.NaN, double VaeShapesRead = double.NaN)
{
    /// <summary>The aims of issue 12 for components strong enough to edit with.</summary>
    public static readonly IReadOnlyDictionary<string, double> Aims = new Dictionary<string, double>
    {
        ["vae_psnr_db"] = 30, ["vae_objects_read"] = 0.98, ["clip_top1_of_16"] = 0.95, ["colour_probe"] = 0.9, ["shape_probe"] = 0.9, ["text_to_image_right_caption"] = 0.8,
    };

    public System.Text.Json.Nodes.JsonObject ToJson()
    {
        var aims = new System.Text.Json.Nodes.JsonObject();
        foreach (var (k, v) in Aims) aims[k] = v;
        return new()
        {
            ["vae_psnr_db"] = Math.Round(VaePsnr, 3), ["vae_objects_read"] = VaeObjectsRead, ["vae_colours_read"] = VaeColoursRead, ["vae_shapes_read"] = VaeShapesRead, ["clip_top1_of_16"] = ClipTop1Of16, ["colour_probe"] = ColourProbe,
            ["shape_probe"] = ShapeProbe, ["text_to_image_right_caption"] = TextToImageRightCaption, ["aims"] = aims,
        };
    }

    public override string ToString() =>
        $"VAE PSNR {VaePsnr:F2} dB; objects read from VAE round trips {VaeObjectsRead:P1} (colour {VaeColoursRead:P1}, shape {VaeShapesRead:P1}); CLIP caption→image top-1 of 16 {ClipTop1Of16:P1}; colour probe {ColourProbe:P1}; shape probe {ShapeProbe:P1}; text-to-image right caption {TextToImageRightCaption:P1}";
}

/// <summary>Measures a pretrained world folder (vae/, clip/, text_encoder/, tokenizer/, unet/, scheduler/).</summary>
public static class WorldQuality
{
    public static WorldQualityReport Evaluate(string folder, int scenes = 256, int seed = 12345, int t2iSamples = 64)
    {
        using var _ = no_grad();
        var vae = DiffusersFolder.LoadVae(Path.Combine(folder, "vae"));
        var clip = ClipCheckpoints.LoadModel(Path.Combine(folder, "clip"));
        var tokenizer = ClipTokenizer.FromFolder(Path.Combine(folder, "tokenizer"));
        var random = new Random(seed);
        var held = Enumerable.Range(0, scenes).Select(_ => Scene.Random(random)).ToList();
        var images = stack(held.Select(s => Renderer.Render(s)).ToArray());

        // VAE: mean per-image PSNR of decode(encode(x).mode()), and the objects the scene reader finds again in it.
        double psnr = 0;
        int objects = 0, read = 0, coloursRead = 0, shapesRead = 0;
        for (int i = 0; i < scenes; i += 64)
        {
            var x = images[i..Math.Min(scenes, i + 64)];
            var recon = vae.RoundTrip(x);
            var mse = (recon - x).square().mean([1, 2, 3]);
            psnr += (10 * (1 / mse).log10()).sum().item<float>();
            for (int k = 0; k < x.shape[0]; k++)
            {
                var found = SceneReader.Read(recon[k]);
                foreach (var o in held[i + k].Objects)
                {
                    objects++;
                    var at = found.Objects.FirstOrDefault(f => f.Slot == o.Slot);
                    if (at?.Colour == o.Colour) coloursRead++;
                    if (at?.Shape == o.Shape) shapesRead++;
                    if (at?.Colour == o.Colour && at?.Shape == o.Shape) read++;
                }
            }
        }
        psnr /= scenes;

        // CLIP retrieval: each image against its caption and 15 captions of other scenes.
        var imageEmb = nn.functional.normalize(clip.EncodeImage(images), dim: -1);
        int correct = 0;
        for (int i = 0; i < scenes; i++)
        {
            var others = Enumerable.Range(0, scenes).Where(j => j != i).OrderBy(_ => random.Next()).Take(15);
            var captions = new[] { Captioner.Caption(held[i], random) }.Concat(others.Select(j => Captioner.Caption(held[j], random))).ToList();
            var textEmb = nn.functional.normalize(clip.EncodeText(tokenizer.EncodeBatch(captions)), dim: -1);
            if (imageEmb[i].matmul(textEmb.T).argmax().item<long>() == 0) correct++;
        }

        // Attribute probes on single-object scenes.
        double Probe(Func<SceneObject, string[]> candidates, Func<SceneObject, int> truth)
        {
            int right = 0, n = 0;
            foreach (var s in held.Where(s => s.Objects.Count == 1).Take(100))
            {
                var o = s.Objects[0];
                var texts = candidates(o).Select(c => $"{Captioner.Article(c)} on {(s.Background == "checkered" ? "a checkered" : "a " + s.Background)} background").ToList();
                var t = nn.functional.normalize(clip.EncodeText(tokenizer.EncodeBatch(texts)), dim: -1);
                var e = nn.functional.normalize(clip.EncodeImage(Renderer.Render(s).unsqueeze(0)), dim: -1);
                if (e.matmul(t.T).argmax().item<long>() == truth(o)) right++;
                n++;
            }
            return right / (double)Math.Max(1, n);
        }
        var colours = WorldVocabulary.Colours.Select(c => c.Name).ToArray();
        double colour = Probe(o => colours.Select(c => $"{c} {o.Shape}").ToArray(), o => Array.IndexOf(colours, o.Colour));
        double shape = Probe(o => WorldVocabulary.Shapes.Select(sh => $"{o.Colour} {sh}").ToArray(), o => Array.IndexOf(WorldVocabulary.Shapes, o.Shape));

        // Text-to-image: does the tiny CLIP prefer the sample's own caption to another scene's?
        double t2i = 0;
        if (Directory.Exists(Path.Combine(folder, "unet")))
        {
            var sampler = new TextToImage(DiffusersFolder.LoadUNet(Path.Combine(folder, "unet")), vae,
                ClipCheckpoints.LoadTextModel(Path.Combine(folder, "text_encoder")), tokenizer, DiffusersFolder.LoadSchedulerConfig(Path.Combine(folder, "scheduler")));
            var captions = held.Take(t2iSamples).Select(s => Captioner.Caption(s, random)).ToList();
            var wrong = held.Skip(t2iSamples).Take(t2iSamples).Select(s => Captioner.Caption(s, random)).ToList();
            var samples = sampler.Sample(captions, steps: 20, guidance: 4.0, seed: seed);
            var e = nn.functional.normalize(clip.EncodeImage(samples), dim: -1);
            var right = (e * nn.functional.normalize(clip.EncodeText(tokenizer.EncodeBatch(captions)), dim: -1)).sum(1);
            var other = (e * nn.functional.normalize(clip.EncodeText(tokenizer.EncodeBatch(wrong)), dim: -1)).sum(1);
            t2i = right.gt(other).to(ScalarType.Float32).mean().item<float>();
        }
        return new WorldQualityReport(psnr, correct / (double)scenes, colour, shape, t2i, read / (double)Math.Max(1, objects), coloursRead / (double)Math.Max(1, objects), shapesRead / (double)Math.Max(1, objects));
    }
}
