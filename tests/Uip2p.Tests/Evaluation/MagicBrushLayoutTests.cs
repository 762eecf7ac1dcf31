using Uip2p.Evaluation;
using Uip2p.Imaging;

namespace Uip2p.Tests.Evaluation;

/// <summary>Bad MagicBrush folders are named, never skipped: each case breaks a copy of a metrics fixture's folders one way.</summary>
public class MagicBrushLayoutTests
{
    /// <summary>A writable copy of the first metrics fixture's generated and ground-truth folders.</summary>
    sealed class Copy : IDisposable
    {
        readonly TempDir _tmp = new();

        public Copy()
        {
            string? dir = null;
            foreach (string d in MetricsParityTests.Fixtures) { dir = d; break; }
            Assert.True(dir != null, $"no metrics fixture under {TestPaths.Oracle}");
            var f = MetricsFixture.Of(dir!);
            CopyTree(f.Base, _tmp.Path);
            Generated = Path.Combine(_tmp.Path, Path.GetRelativePath(f.Base, f.Generated));
            GroundTruth = Path.Combine(_tmp.Path, Path.GetRelativePath(f.Base, f.GroundTruthImages));
            Session = Directory.GetDirectories(GroundTruth).Order(StringComparer.Ordinal)
                .First(d => Directory.GetFiles(d, "*-output*").Length >= 2) is var s ? Path.GetFileName(s) : throw new InvalidOperationException();
        }

        public string Generated { get; }
        public string GroundTruth { get; }

        /// <summary>A session with at least two turns.</summary>
        public string Session { get; }

        public string Gen(string name) => Path.Combine(Generated, Session, name);

        static void CopyTree(string from, string to)
        {
            foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
                Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
            foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(to, Path.GetRelativePath(from, file));
                File.Copy(file, target);
                File.SetAttributes(target, FileAttributes.Normal); // the fixture is read-only
            }
        }

        public void Dispose() => _tmp.Dispose();
    }

    [Fact]
    public void A_session_missing_from_the_generated_side_is_named()
    {
        using var c = new Copy();
        Directory.Delete(Path.Combine(c.Generated, c.Session), recursive: true);
        var e = Assert.Throws<InvalidDataException>(() => MagicBrushLayout.Read(c.Generated, c.GroundTruth));
        Assert.Contains($"missing from {c.Generated}: {c.Session}", e.Message);
    }

    [Fact]
    public void Turn_counts_that_disagree_are_named()
    {
        using var c = new Copy();
        File.Delete(c.Gen(MagicBrushLayout.GeneratedName(c.Session, 2, iterated: false)));
        var e = Assert.Throws<InvalidDataException>(() => MagicBrushLayout.Read(c.Generated, c.GroundTruth));
        Assert.Contains($"session '{c.Session}'", e.Message);
        Assert.Contains("ground-truth outputs", e.Message);
    }

    [Fact]
    public void An_unrecognised_image_is_named()
    {
        using var c = new Copy();
        File.Copy(c.Gen(MagicBrushLayout.GeneratedName(c.Session, 1, false)), c.Gen("extra.png"));
        var e = Assert.Throws<InvalidDataException>(() => MagicBrushLayout.Read(c.Generated, c.GroundTruth));
        Assert.Contains("extra.png", e.Message);
    }

    [Fact]
    public void An_unreadable_image_is_named_when_scored()
    {
        using var c = new Copy();
        string bad = c.Gen(MagicBrushLayout.GeneratedName(c.Session, 1, false));
        File.WriteAllBytes(bad, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        var set = MagicBrushLayout.Read(c.Generated, c.GroundTruth);
        var e = Assert.Throws<ImageDecodeException>(() => MagicBrushEvaluator.Score(set, null, null, CaptionKind.Local));
        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void A_missing_caption_is_named()
    {
        using var c = new Copy();
        string local = Path.Combine(Path.GetDirectoryName(c.GroundTruth)!, "local_descriptions.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(local))!.AsObject();
        string file = $"{c.Session}-output2.png";
        node[c.Session]!.AsObject().Remove(file);
        File.WriteAllText(local, node.ToJsonString());
        var set = MagicBrushLayout.Read(c.Generated, c.GroundTruth);
        var e = Assert.Throws<InvalidDataException>(() => set.Captions(CaptionKind.Local).Get(c.Session, file));
        Assert.Contains(local, e.Message);
        Assert.Contains($"'{c.Session}' has no caption for '{file}'", e.Message);
    }

    [Fact]
    public void Without_iterated_images_final_turn_is_reported_missing_not_dropped()
    {
        using var c = new Copy();
        foreach (string f in Directory.GetFiles(c.Generated, "*_iter_*", SearchOption.AllDirectories)) File.Delete(f);
        var set = MagicBrushLayout.Read(c.Generated, c.GroundTruth);
        Assert.Empty(set.FinalTurn);
        Assert.NotEmpty(set.AllTurn);
        var report = MagicBrushEvaluator.Score(set, null, null, CaptionKind.Local);
        var dict = report.EvaluatedMetricsDict();
        Assert.Null(dict["final_turn"]!["l1"]);
        Assert.NotNull(dict["all_turn"]!["l1"]);
        Assert.Null(dict["all_turn"]!["clip-i"]); // no CLIP given: missing, not 0
        Assert.Contains(report.Missing, m => m.StartsWith("final_turn:", StringComparison.Ordinal));
        Assert.Contains(report.Missing, m => m.StartsWith("dino:", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_some_sessions_iterated_is_an_error_naming_them()
    {
        using var c = new Copy();
        foreach (string f in Directory.GetFiles(Path.Combine(c.Generated, c.Session), "*_iter_*")) File.Delete(f);
        var e = Assert.Throws<InvalidDataException>(() => MagicBrushLayout.Read(c.Generated, c.GroundTruth));
        Assert.Contains(c.Session, e.Message);
    }
}
