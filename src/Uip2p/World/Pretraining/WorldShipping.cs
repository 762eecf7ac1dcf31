using System.Text.Json;
using Uip2p.Checkpoints;
using Uip2p.IO;
using static TorchSharp.torch;

namespace Uip2p.World.Pretraining;

/// <summary>How a pretrained folder becomes <c>data/world/</c>.</summary>
public static class WorldShipping
{
    /// <summary>
    /// Copies a pretrained folder (without its checkpoints) to <paramref name="target"/> with every weight stored in
    /// float16 — half the bytes, loaded into float32 models by the same loaders — measures the copy's quality bars and
    /// records them in <c>quality.json</c> (what the regression test holds it to). The copy is made beside the target and
    /// renamed into place, so a failure leaves the old target as it was.
    /// </summary>
    public static WorldQualityReport Ship(string source, string target, IReadOnlyList<(string Name, string Model)>? editors = null)
    {
        string temp = target.TrimEnd('/') + $".partial-{Guid.NewGuid():N}";
        // Editors trained on these components ship as their UNet alone (editors/NAME/), used with the components' VAE and text encoder.
        foreach (var (name, model) in editors ?? [])
        {
            string unet = Path.Combine(model, "unet");
            if (!File.Exists(Path.Combine(unet, "config.json"))) throw new FileNotFoundException($"{model}: no unet/config.json; expected a trained editor's model folder.");
            CopyHalf(unet, Path.Combine(temp, "editors", name));
        }
        foreach (string dir in Directory.GetDirectories(source).Where(d => Path.GetFileName(d) is not ("checkpoints" or "editors")))
            CopyHalf(dir, Path.Combine(temp, Path.GetFileName(dir)));
        foreach (string file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(temp, Path.GetFileName(file)));
        var report = WorldQuality.Evaluate(temp);
        AtomicFile.WriteAllText(Path.Combine(temp, "quality.json"), report.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(temp, target);
        return report;
    }

    /// <summary>A folder's files with every floating-point weight stored as float16.</summary>
    static void CopyHalf(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            string dest = Path.Combine(to, Path.GetFileName(file));
            if (file.EndsWith(".safetensors", StringComparison.Ordinal))
                SafetensorsFile.Save(dest, SafetensorsFile.Load(file).ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to(ScalarType.Float16) : kv.Value));
            else File.Copy(file, dest);
        }
    }
}
