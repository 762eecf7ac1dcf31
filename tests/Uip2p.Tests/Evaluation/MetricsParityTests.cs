using System.Text.Json;
using Uip2p.Evaluation;
using Uip2p.Tests.Parity;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uip2p.Tests.Evaluation;

/// <summary>
/// MagicBrush's image_eval.py and instruct-pix2pix's ClipSimilarity against their oracle (every fixture
/// directory whose config names both references, e.g. metrics-tiny). Tolerances are the fixture README's
/// suggested ones: L1/L2 5e-8 (one level of one resized pixel moves L1 by about 1e-7), similarities 2e-6,
/// model inputs 1e-6, features 1e-5; crops and resized pixels exactly equal.
/// </summary>
public class MetricsParityTests(ITestOutputHelper output)
{
    const double DistanceTolerance = 5e-8, SimilarityTolerance = 2e-6, InputTolerance = 1e-6, FeatureTolerance = 1e-5;

    public static TheoryData<string> Fixtures => OracleFixture.DirsWhere(f =>
    {
        var config = f.ConfigJson();
        return config.TryGetProperty("reference", out var r) && r.ValueKind == JsonValueKind.Object
            && r.TryGetProperty("magicbrush", out _) && r.TryGetProperty("instruct_pix2pix", out _);
    });

    [Fact]
    public void There_are_metrics_fixtures() => Assert.NotEmpty(Fixtures);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Pairs_are_the_reference_pairs_in_its_order(string dir)
    {
        var f = MetricsFixture.Of(dir);
        foreach (string setting in EvalSet.Settings)
        {
            var expected = f.Expected.GetProperty("magicbrush").GetProperty("pairs").GetProperty(setting).EnumerateArray()
                .Select(p => (p.GetProperty("session").GetString(), p.GetProperty("turn").GetInt32(), p.GetProperty("generated").GetString(), p.GetProperty("gt").GetString())).ToList();
            var got = f.Set.Pairs(setting).Select(p => ((string?)p.Session, p.Turn, (string?)f.Relative(p.Generated), (string?)f.Relative(p.GroundTruth!))).ToList();
            Assert.Equal(expected, got);
            var inputs = f.Expected.GetProperty("ip2p_clip_similarity").GetProperty(setting).GetProperty("pairs").EnumerateArray().Select(p => p.GetProperty("image_0").GetString()).ToList();
            Assert.Equal(inputs, f.Set.Pairs(setting).Select(p => (string?)f.Relative(p.EditInput)).ToList());
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Crops_and_resized_pixels_are_exactly_the_reference_ones(string dir)
    {
        var f = MetricsFixture.Of(dir);
        int crops = 0, dinoCrops = 0, resized = 0;
        var gtOf = f.Set.AllTurn.Concat(f.Set.FinalTurn).DistinctBy(p => p.Generated).ToDictionary(p => f.Relative(p.Generated), p => p.GroundTruth!);
        foreach (var (key, expected) in f.Io)
        {
            if (!key.StartsWith("img.", StringComparison.Ordinal)) continue;
            string stage = key[(key.LastIndexOf('.') + 1)..];
            string path = key["img.".Length..key.LastIndexOf('.')];
            var image = RgbPixels.Load(f.Absolute(path));
            switch (stage)
            {
                case "clip_crop_hwc":
                    AssertPixelsEqual(ReferenceTransforms.ClipCrop(image, f.Resolution), expected, key); crops++; break;
                case "dino_crop_hwc":
                    AssertPixelsEqual(ReferenceTransforms.DinoCrop(image), expected, key); dinoCrops++; break;
                case "l12_resized_hwc":
                    AssertPixelsEqual(MagicBrushMetrics.ResizeForDistance(image, RgbPixels.Load(gtOf[path])), expected, key); resized++; break;
                case "clip_input":
                    using (var x = ReferenceTransforms.ClipInput(image, f.Resolution)) OracleFixture.AssertClose(x[0], expected, InputTolerance, key);
                    break;
            }
        }
        Assert.True(crops > 0 && resized > 0, $"{dir}: the io file has no crops or resized images");
        output.WriteLine($"{Path.GetFileName(dir)}: {crops} CLIP crops, {dinoCrops} DINO crops, {resized} L1/L2 resizes bit-exact");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Features_and_token_ids_match(string dir)
    {
        var f = MetricsFixture.Of(dir);
        double worst = 0;
        int n = 0;
        foreach (var (key, expected) in f.Io)
        {
            if (key.StartsWith("img.", StringComparison.Ordinal) && (key.EndsWith(".clip_features") || key.EndsWith(".dino_features")))
            {
                string path = f.Absolute(key["img.".Length..key.LastIndexOf('.')]);
                float[] got = key.EndsWith(".clip_features") ? f.Clip.ImageFeatures(path) : f.Dino.Features(path);
                worst = Math.Max(worst, OracleFixture.AssertClose(tensor(got), expected, FeatureTolerance, key));
                n++;
            }
            else if (key.StartsWith("text.", StringComparison.Ordinal))
            {
                // text.<local|global>.<id>/<file>.{ids,features}
                string kind = key.Split('.')[1];
                string rest = key[("text." + kind + ".").Length..key.LastIndexOf('.')];
                string session = rest[..rest.IndexOf('/')], file = rest[(rest.IndexOf('/') + 1)..];
                string caption = f.Set.Captions(kind == "local" ? CaptionKind.Local : CaptionKind.Global).Get(session, file);
                if (key.EndsWith(".ids"))
                    Assert.True(f.Clip.Tokenize(caption, truncate: false).to(ScalarType.Float32)[0].equal(expected).all().item<bool>(), $"{key}: token ids differ");
                else worst = Math.Max(worst, OracleFixture.AssertClose(tensor(f.Clip.TextFeatures(caption)), expected, FeatureTolerance, key));
                n++;
            }
        }
        Assert.True(n > 0);
        output.WriteLine($"{Path.GetFileName(dir)}: {n} features/ids, max abs error {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Clip_similarity_inputs_and_features_match(string dir)
    {
        var f = MetricsFixture.Of(dir);
        double inputs = 0, features = 0;
        foreach (string setting in EvalSet.Settings)
        {
            var pairs = f.Set.Pairs(setting);
            for (int i = 0; i < pairs.Count; i++)
            {
                string k = $"ip2p.{setting}.{i}.";
                var score = f.Local.PairsOf(setting).ElementAt(i);
                foreach (var (n, path) in new[] { (0, pairs[i].EditInput), (1, pairs[i].Generated) })
                {
                    using (var x = ReferenceTransforms.Ip2pInput(RgbPixels.Load(path), f.Resolution))
                        inputs = Math.Max(inputs, OracleFixture.AssertClose(x, f.Io[k + $"image_{n}_model_input"].unsqueeze(0), InputTolerance, k + $"image_{n}_model_input"));
                    features = Math.Max(features, OracleFixture.AssertClose(f.Clip.Ip2pImageFeatures(path), f.Io[k + $"image_features_{n}"].view(1, -1), FeatureTolerance, k + $"image_features_{n}"));
                    features = Math.Max(features, OracleFixture.AssertClose(f.Clip.Ip2pTextFeatures(n == 0 ? score.Text0! : score.Text1!), f.Io[k + $"text_features_{n}"].view(1, -1), FeatureTolerance, k + $"text_features_{n}"));
                }
                // The formulas on the reference's own features give the reference's numbers (the README's 2e-6).
                var e = f.Io;
                var sims = f.Expected.GetProperty("ip2p_clip_similarity").GetProperty(setting).GetProperty("pairs")[i];
                Assert.True(Math.Abs(Ip2pClipSimilarity.SimDirection(e[k + "image_features_0"], e[k + "image_features_1"], e[k + "text_features_0"], e[k + "text_features_1"]) - sims.GetProperty("sim_direction").GetDouble()) <= SimilarityTolerance, k + "sim_direction");
                Assert.True(Math.Abs(Ip2pClipSimilarity.SimImage(e[k + "image_features_0"], e[k + "image_features_1"]) - sims.GetProperty("sim_image").GetDouble()) <= SimilarityTolerance, k + "sim_image");
                Assert.True(Math.Abs(Ip2pClipSimilarity.Sim0(e[k + "image_features_0"], e[k + "text_features_0"]) - sims.GetProperty("sim_0").GetDouble()) <= SimilarityTolerance, k + "sim_0");
                Assert.True(Math.Abs(Ip2pClipSimilarity.Sim1(e[k + "image_features_1"], e[k + "text_features_1"]) - sims.GetProperty("sim_1").GetDouble()) <= SimilarityTolerance, k + "sim_1");
            }
        }
        output.WriteLine($"{Path.GetFileName(dir)} ClipSimilarity: model inputs max abs error {inputs:E2}, features {features:E2}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Per_pair_metrics_match_the_reference(string dir)
    {
        var f = MetricsFixture.Of(dir);
        var worst = new Dictionary<string, double>();
        foreach (string setting in EvalSet.Settings)
        {
            var expected = f.Expected.GetProperty("magicbrush").GetProperty("pairs").GetProperty(setting).EnumerateArray().ToList();
            var local = f.Local.PairsOf(setting).ToList();
            var global = f.Global.PairsOf(setting).ToList();
            Assert.Equal(expected.Count, local.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                var e = expected[i];
                string at = $"{setting}[{i}] {e.GetProperty("generated").GetString()}";
                Check(worst, "l1", local[i].L1, e, "l1", DistanceTolerance, at);
                Check(worst, "l2", local[i].L2, e, "l2", DistanceTolerance, at);
                Check(worst, "clip-i", local[i].ClipI, e, "clip-i", SimilarityTolerance, at);
                Check(worst, "dino", local[i].Dino, e, "dino", SimilarityTolerance, at);
                Check(worst, "clip-t", local[i].ClipT, e, "clip-t_local", SimilarityTolerance, at);
                Check(worst, "clip-t_oracle", local[i].ClipTOracle, e, "clip-t_oracle_local", SimilarityTolerance, at);
                Check(worst, "clip-t", global[i].ClipT, e, "clip-t_global", SimilarityTolerance, at);
                Check(worst, "clip-t_oracle", global[i].ClipTOracle, e, "clip-t_oracle_global", SimilarityTolerance, at);
                Assert.Equal(e.GetProperty("caption_local").GetString(), local[i].Caption);
                Assert.Equal(e.GetProperty("caption_global").GetString(), global[i].Caption);
            }
            var sims = f.Expected.GetProperty("ip2p_clip_similarity").GetProperty(setting).GetProperty("pairs").EnumerateArray().ToList();
            for (int i = 0; i < sims.Count; i++)
            {
                string at = $"ip2p {setting}[{i}]";
                Assert.Equal(sims[i].GetProperty("text_0").GetString(), local[i].Text0);
                Assert.Equal(sims[i].GetProperty("text_1").GetString(), local[i].Text1);
                Check(worst, "sim_0", local[i].Sim0, sims[i], "sim_0", SimilarityTolerance, at);
                Check(worst, "sim_1", local[i].Sim1, sims[i], "sim_1", SimilarityTolerance, at);
                Check(worst, "sim_direction", local[i].SimDirection, sims[i], "sim_direction", DirectionTolerance(f, setting, i), at);
                Check(worst, "sim_image", local[i].SimImage, sims[i], "sim_image", SimilarityTolerance, at);
            }
        }
        output.WriteLine($"{Path.GetFileName(dir)} per pair, max abs error: " + string.Join(", ", worst.Select(kv => $"{kv.Key} {kv.Value:E2}")));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Aggregates_are_magicbrush_evaluated_metrics_dict(string dir)
    {
        var f = MetricsFixture.Of(dir);
        var worst = new Dictionary<string, double>();
        var agg = f.Expected.GetProperty("magicbrush").GetProperty("aggregate");
        foreach (var (kind, report) in new[] { ("local", f.Local), ("global", f.Global) })
            foreach (var setting in agg.GetProperty(kind).EnumerateObject())
                foreach (var metric in setting.Value.EnumerateObject())
                {
                    double tol = metric.Name is "l1" or "l2" ? DistanceTolerance : SimilarityTolerance;
                    Check(worst, metric.Name, report.Aggregate(setting.Name, metric.Name), setting.Value, metric.Name, tol, $"{kind} {setting.Name}");
                }
        foreach (string setting in EvalSet.Settings)
        {
            var mean = f.Expected.GetProperty("ip2p_clip_similarity").GetProperty(setting).GetProperty("mean");
            foreach (var m in mean.EnumerateObject())
                Check(worst, m.Name, f.Local.SimilarityMean(setting, m.Name), mean, m.Name, SimilarityTolerance, $"ip2p mean {setting}");
        }
        // The written dict has MagicBrush's keys and values.
        var dict = f.Local.EvaluatedMetricsDict();
        Assert.Equal(EvalSet.Settings, dict.Select(kv => kv.Key));
        Assert.Equal(f.Local.Aggregate("all_turn", "clip-i"), (double?)dict["all_turn"]!["clip-i"]);
        output.WriteLine($"{Path.GetFileName(dir)} aggregates, max abs error: " + string.Join(", ", worst.Select(kv => $"{kv.Key} {kv.Value:E2}")));
    }

    /// <summary>
    /// sim_direction compares differences of unit features: an error ε in the features moves it by up to about
    /// ε·(1/|ΔI| + 1/|ΔT|), which for an edit that barely changes the image (|ΔI| ≈ 0.05) is 20ε. So its bound is
    /// the README's 2e-6 plus that amplification of the README's feature drift across CPUs (about 1e-6), with
    /// |ΔI|, |ΔT| taken from the reference's stored features of the pair.
    /// </summary>
    static double DirectionTolerance(MetricsFixture f, string setting, int i)
    {
        const double featureDrift = 1e-6;
        string k = $"ip2p.{setting}.{i}.";
        double di = (f.Io[k + "image_features_1"] - f.Io[k + "image_features_0"]).norm().item<float>();
        double dt = (f.Io[k + "text_features_1"] - f.Io[k + "text_features_0"]).norm().item<float>();
        return SimilarityTolerance + featureDrift * (1 / di + 1 / dt);
    }

    static void Check(Dictionary<string, double> worst, string name, double? got, JsonElement expected, string key, double tolerance, string at)
    {
        Assert.True(got.HasValue, $"{at}: {name} was not computed");
        double err = Math.Abs(got!.Value - expected.GetProperty(key).GetDouble());
        Assert.True(err <= tolerance, $"{at}: {key} = {got.Value:R}, expected {expected.GetProperty(key).GetDouble():R} (error {err:E2} > {tolerance:E0})");
        worst[name] = Math.Max(worst.GetValueOrDefault(name), err);
    }

    static void Check(Dictionary<string, double> worst, string name, float? got, JsonElement expected, string key, double tolerance, string at) =>
        Check(worst, name, got.HasValue ? (double)got.Value : null, expected, key, tolerance, at);

    static void AssertPixelsEqual(RgbPixels got, Tensor expected, string what)
    {
        Assert.True(expected.shape.SequenceEqual(new long[] { got.Height, got.Width, 3 }), $"{what}: got {got.Width}×{got.Height}, expected [{string.Join(",", expected.shape)}]");
        using var g = got.ToHwcTensor().to(ScalarType.Float32);
        long differing = g.ne(expected).sum().item<long>();
        Assert.True(differing == 0, $"{what}: {differing} of {g.numel()} pixel values differ (max {(g - expected).abs().max().item<float>()} levels)");
    }
}
