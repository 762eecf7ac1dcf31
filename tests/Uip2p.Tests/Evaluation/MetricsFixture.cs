using System.Collections.Concurrent;
using System.Text.Json;
using Uip2p.Evaluation;
using Uip2p.Tests.Parity;

namespace Uip2p.Tests.Evaluation;

/// <summary>
/// A metrics oracle directory (metrics-tiny's format): everything that differs between such directories is
/// read from its config.json — the model folders (<c>models</c>), the CLIP input resolution, and the
/// reference run's arguments (<c>magicbrush_runs</c>: generated, ground-truth and caption paths).
/// </summary>
sealed class MetricsFixture
{
    static readonly ConcurrentDictionary<string, Lazy<MetricsFixture>> Cache = new();

    MetricsFixture(string dir)
    {
        Dir = dir;
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        var root = config.RootElement;
        var models = root.GetProperty("models");
        ClipDir = Path.GetFullPath(Path.Combine(dir, models.GetProperty("clip").GetProperty("dir").GetString()!));
        DinoDir = Path.GetFullPath(Path.Combine(dir, models.GetProperty("dino").GetProperty("dir").GetString()!));
        Resolution = models.GetProperty("clip").GetProperty("input_resolution").GetInt32();
        string[] argv = root.GetProperty("magicbrush_runs").GetProperty("local").GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToArray();
        string Arg(string name) => argv[Array.IndexOf(argv, name) + 1];
        Generated = Path.Combine(dir, Arg("--generated_path"));
        GroundTruthImages = Path.Combine(dir, Arg("--gt_path"));
        LocalCaptions = Path.Combine(dir, Arg("--caption_path"));
        // Paths in expected.json and io.safetensors are relative to the folder holding generated/ and test/.
        Base = Path.GetDirectoryName(Path.GetFullPath(Generated))!;
        Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json"))).RootElement.Clone();
        Io = OracleFixture.At(dir).Io();
        Clip = EvalClip.Load(ClipDir, Path.Combine(TestPaths.Oracle, "clip-tokenizer"));
        Dino = EvalDino.Load(DinoDir);
        Set = MagicBrushLayout.Read(Generated, GroundTruthImages);
        Local = MagicBrushEvaluator.Score(Set, Clip, Dino, CaptionKind.Local);
        Global = MagicBrushEvaluator.Score(Set, Clip, Dino, CaptionKind.Global);
    }

    public static MetricsFixture Of(string dir) => Cache.GetOrAdd(dir, d => new Lazy<MetricsFixture>(() => new MetricsFixture(d))).Value;

    public string Dir { get; }
    public string ClipDir { get; }
    public string DinoDir { get; }
    public int Resolution { get; }
    public string Generated { get; }
    public string GroundTruthImages { get; }
    public string LocalCaptions { get; }
    public string Base { get; }
    public JsonElement Expected { get; }
    public Dictionary<string, TorchSharp.torch.Tensor> Io { get; }
    public EvalClip Clip { get; }
    public EvalDino Dino { get; }
    public EvalSet Set { get; }
    public EvalReport Local { get; }
    public EvalReport Global { get; }

    /// <summary>A path as expected.json writes it (relative to the MagicBrush folder, '/' separated).</summary>
    public string Relative(string path) => Path.GetRelativePath(Base, path).Replace(Path.DirectorySeparatorChar, '/');

    public string Absolute(string relative) => Path.Combine(Base, relative);
}
