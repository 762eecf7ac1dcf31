using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using Uip2p.Pipelines;

namespace Uip2p.Tests.Training;

/// <summary>
/// A small "public dataset" made from the metrics fixture's photographs (MagicBrush-layout sessions of real
/// pictures at their own sizes, one of them greyscale): the first turn of each session written as
/// instruct-pix2pix's generated folders (<c>prompt.json</c> with input/edit/output, <c>&lt;seed&gt;_0.jpg</c> and
/// <c>_1.jpg</c>, <c>seeds.json</c>), which <c>uip2p data import --from ip2p-folders</c> reads; and a tiny random
/// Stable-Diffusion-layout InstructPix2Pix folder (no <c>clip/</c>, no <c>editor/</c>).
/// </summary>
static class RealSample
{
    static string Sessions => Path.Combine(TestPaths.Oracle, "metrics-tiny", "magicbrush", "test");

    /// <summary>The clip-tiny fixture: an openai/CLIP state dict (constructor_args + weights.safetensors), and the real CLIP BPE tokenizer.</summary>
    public static string Clip => Path.Combine(TestPaths.Oracle, "clip-tiny");
    public static string ClipTokenizer => Path.Combine(TestPaths.Oracle, "clip-tokenizer");

    /// <summary>Writes the ip2p-folders layout of the fixture's sessions under <paramref name="root"/>; returns the folder.</summary>
    public static string WriteIp2pFolders(string root)
    {
        using var edits = JsonDocument.Parse(File.ReadAllText(Path.Combine(Sessions, "edit_sessions.json")));
        using var captions = JsonDocument.Parse(File.ReadAllText(Path.Combine(Sessions, "global_descriptions.json")));
        Directory.CreateDirectory(root);
        var seeds = new List<object[]>();
        foreach (var session in edits.RootElement.EnumerateObject().OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            string id = session.Name;
            var turn = session.Value[0];
            string dir = Directory.CreateDirectory(Path.Combine(root, id)).FullName;
            var caption = captions.RootElement.GetProperty(id);
            File.WriteAllText(Path.Combine(dir, "prompt.json"), JsonSerializer.Serialize(new
            {
                input = caption.GetProperty($"{id}-input.png").GetString(),
                edit = turn.GetProperty("instruction").GetString(),
                output = caption.GetProperty($"{id}-output1.png").GetString(),
            }));
            Jpeg(Path.Combine(Sessions, "images", id, $"{id}-input.png"), Path.Combine(dir, "7_0.jpg"));
            Jpeg(Path.Combine(Sessions, "images", id, $"{id}-output1.png"), Path.Combine(dir, "7_1.jpg"));
            seeds.Add([id, new[] { 7 }]);
        }
        File.WriteAllText(Path.Combine(root, "seeds.json"), JsonSerializer.Serialize(seeds));
        return root;
    }

    static void Jpeg(string png, string jpg)
    {
        using var image = Image.Load(png);
        image.Save(jpg, new JpegEncoder { Quality = 92 });
    }

    /// <summary>A tiny random InstructPix2Pix folder in the diffusers layout (VAE factor 4, 8-channel UNet).</summary>
    public static string Model(string folder)
    {
        TinyPipeline.Create(folder, seed: 5);
        return folder;
    }
}
