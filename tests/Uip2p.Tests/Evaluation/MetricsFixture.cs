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
        _io = new(() => TorchScopeAttribute.Shared(() => OracleFixture.At(dir).Io()));
        _clip = new(() => TorchScopeAttribute.Shared(() => EvalClip.Load(ClipDir, TokenizerDir)));
        _dino = new(() => TorchScopeAttribute.Shared(() => EvalDino.Load(DinoDir)));
        _set = new(() => TorchScopeAttribute.Shared(() => MagicBrushLayout.Read(Generated, GroundTruthImages)));
        _local = new(() => TorchScopeAttribute.Shared(() => MagicBrushEvaluator.Score(Set, Clip, Dino, CaptionKind.Local)));
        _global = new(() => TorchScopeAttribute.Shared(() => MagicBrushEvaluator.Score(Set, Clip, Dino, CaptionKind.Global)));
    }

    readonly Lazy<Dictionary<string, TorchSharp.torch.Tensor>> _io;
    readonly Lazy<EvalClip> _clip;
    readonly Lazy<EvalDino> _dino;
    readonly Lazy<EvalSet> _set;
    readonly Lazy<EvalReport> _local, _global;

    /// <summary>openai's CLIP vocabulary: the sibling tokenizer fixture (clip.tokenize has one vocabulary for every model).</summary>
    public static string TokenizerDir => Path.Combine(TestPaths.Oracle, "clip-tokenizer");

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
    public Dictionary<string, TorchSharp.torch.Tensor> Io => _io.Value;
    public EvalClip Clip => _clip.Value;
    public EvalDino Dino => _dino.Value;
    public EvalSet Set => _set.Value;
    public EvalReport Local => _local.Value;
    public EvalReport Global => _global.Value;

    /// <summary>A path as expected.json writes it (relative to the MagicBrush folder, '/' separated).</summary>
    public string Relative(string path) => Path.GetRelativePath(Base, path).Replace(Path.DirectorySeparatorChar, '/');

    public string Absolute(string relative) => Path.Combine(Base, relative);
}
