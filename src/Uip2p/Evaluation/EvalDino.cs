using TorchSharp;
using System.Globalization;
using System.Text.RegularExpressions;
using Uip2p.Checkpoints;
using Uip2p.Models;
using Uip2p.Models.Dino;
using static TorchSharp.torch;

namespace Uip2p.Evaluation;

/// <summary>
/// A DINO ViT used as MagicBrush's DINO evaluator: <c>Resize(256, BICUBIC)</c> → <c>CenterCrop(224)</c> →
/// ImageNet mean/std (fixed sizes in MagicBrush's script, whatever the model; a model sized for another
/// input interpolates its position embedding) → the CLS embedding. Features are kept per image file.
/// </summary>
public sealed partial class EvalDino
{
    readonly Dictionary<string, float[]> _features = new();

    public EvalDino(DinoVisionTransformer model, string source, Device? device = null)
    {
        Model = model;
        Source = source;
        Device = device ?? CPU;
        Model.to(Device);
        Model.eval();
    }

    public DinoVisionTransformer Model { get; }
    public string Source { get; }
    public Device Device { get; }

    /// <summary>
    /// Loads a DINO folder: transformers' ViTModel (facebook/dino-vits16) or ours (see <see cref="DinoCheckpoints.Load"/>),
    /// or DINO's own state dict in <c>weights.safetensors</c> beside a config.json with DINO's <c>constructor_args</c>
    /// (the oracle fixtures' layout; the LayerNorm eps is read from its <c>norm_layer</c>, DINO's is 1e-6).
    /// </summary>
    public static EvalDino Load(string folder, Device? device = null)
    {
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{folder}: no config.json; expected a DINO model folder.", configPath);
        var reader = ConfigReader.FromFile(configPath);
        if (!reader.Has("constructor_args")) return new EvalDino(DinoCheckpoints.Load(folder), folder, device);
        var args = reader.Section("constructor_args");
        var config = DinoConfig.FromDinoArgs(args);
        var eps = Eps().Match(args.String("norm_layer", ""));
        if (eps.Success) config = config with { LayerNormEps = double.Parse(eps.Groups[1].Value, CultureInfo.InvariantCulture) };
        string weights = Path.Combine(folder, "weights.safetensors");
        if (!File.Exists(weights)) throw new FileNotFoundException($"{folder}: DINO-style config.json but no weights.safetensors.", weights);
        var model = new DinoVisionTransformer(config);
        var report = StateDictLoader.Load(model, SafetensorsFile.Load(weights), weights);
        if (!report.IsClean) throw new InvalidDataException($"{weights}: {report}");
        return new EvalDino(model, folder, device);
    }

    /// <summary><c>model(dino_transform(image))</c>: the CLS embedding after the final norm.</summary>
    public float[] Features(string path)
    {
        string key = Path.GetFullPath(path);
        if (_features.TryGetValue(key, out var cached)) return cached;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var input = ReferenceTransforms.DinoInput(RgbPixels.Load(path)).to(Device);
        var features = Model.call(input).to(ScalarType.Float32).cpu().data<float>().ToArray();
        _features[key] = features;
        return features;
    }

    [GeneratedRegex(@"eps\s*=\s*([0-9.eE+-]+)")]
    private static partial Regex Eps();
}
