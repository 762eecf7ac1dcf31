using Uip2p.Evaluation;
using Uip2p.Imaging;
using Uip2p.Pipelines;
using static TorchSharp.torch;

namespace Uip2p.Experiments;

/// <summary>
/// Scores one editor (or the identity reference) on the held-out world edits and caches the result in its folder:
/// <c>eval/generated/</c> holds the edited images in MagicBrush's generated layout (<c>&lt;id&gt;/&lt;id&gt;_1.png</c>), which the
/// evaluation suite pairs with the held-out dataset for its CLIP scores (CLIP-I, CLIP-T against the edited caption, and
/// instruct-pix2pix's direction and image similarities); <c>eval/scores.json</c> keeps every edit's numbers.
/// </summary>
public sealed class AblationEvaluator(HeldOutWorld heldOut, AblationEvalSettings settings, EvalClip? clip)
{
    public HeldOutWorld HeldOut { get; } = heldOut;
    public AblationEvalSettings Settings { get; } = settings;
    public EvalClip? Clip { get; } = clip;

    public static string ScoresPath(string folder) => Path.Combine(folder, "eval", "scores.json");

    /// <summary>The scores cached in <paramref name="folder"/>, when they were made with these settings.</summary>
    public AblationScores? Cached(string folder) => AblationScores.Load(ScoresPath(folder), Settings);

    /// <summary>
    /// Edits the held-out scenes with <paramref name="pipeline"/> (null: the identity reference, output = input), scores
    /// and judges them and writes the cache. <paramref name="stop"/> is checked between batches; nothing is cached then.
    /// </summary>
    public AblationScores Evaluate(string folder, InstructPix2PixPipeline? pipeline, Action<int, int>? progress = null, CancellationToken stop = default)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        string eval = Path.Combine(folder, "eval");
        if (Directory.Exists(eval)) Directory.Delete(eval, recursive: true);
        var (scores, images) = pipeline is null
            ? HeldOut.Score(b => b.Inputs.clone(), progress, stop)
            : HeldOut.Edit(pipeline, Settings.Edit, progress, stop);
        var verdicts = HeldOut.Judge(images);
        var records = HeldOut.Batches.Records;
        string generated = Path.Combine(eval, "generated");
        for (int i = 0; i < records.Count; i++)
            ImageIO.Save(images[i], Path.Combine(generated, records[i].Id, MagicBrushLayout.GeneratedName(records[i].Id, 1, false)));
        var pairs = new Dictionary<string, PairScore>();
        if (Clip != null)
        {
            // The suite's own pairing and CLIP recipes (single-turn, global captions = the records' input/edited captions).
            var set = DatasetLayout.Read(generated, HeldOut.Dataset.Folder);
            var report = MagicBrushEvaluator.Score(set, Clip, null, CaptionKind.Global);
            pairs = report.PairsOf("all_turn").ToDictionary(p => p.Pair.Session);
        }
        var edits = records.Select((r, i) =>
        {
            var (s, v) = (scores[i], verdicts[i]);
            var p = pairs.GetValueOrDefault(r.Id);
            return new AblationEdit(r.Id, s.Kind, s.L1, s.L2, s.L1InMask, s.L1OutsideMask, s.L2InMask, s.L2OutsideMask, v.EditHappened, v.RestKept, v.Reason,
                p?.ClipI, p?.ClipT, p?.SimDirection, p?.SimImage);
        }).ToList();
        var result = new AblationScores(Settings, edits);
        result.Save(ScoresPath(folder));
        return result;
    }
}
