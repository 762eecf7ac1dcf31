namespace Uip2p.Evaluation;

/// <summary>
/// Scores an <see cref="EvalSet"/> as MagicBrush's <c>image_eval.py</c> does (L1, L2, CLIP-I, DINO, CLIP-T,
/// CLIP-T oracle per setting) and, where global captions exist, with instruct-pix2pix's ClipSimilarity
/// (image 0 = the edit's input: the turn's ground-truth input single-turn, the session's input multi-turn;
/// text 0 / text 1 = the global captions of that input and of the turn's ground truth). Models not given
/// leave their metrics missing; so does a pair without a ground-truth image (L1, L2, CLIP-I, DINO, CLIP-T oracle),
/// which keeps CLIP-T and ClipSimilarity, since these compare the edit with captions and its input.
/// </summary>
public static class MagicBrushEvaluator
{
    /// <summary>Scores every pair of both settings; <paramref name="progress"/> is told after each pair.</summary>
    public static EvalReport Score(EvalSet set, EvalClip? clip, EvalDino? dino, CaptionKind captions, Action<int, int>? progress = null)
    {
        CaptionTable? clipT = clip == null ? null : set.Captions(captions);
        CaptionTable? global = clip == null ? null : set.Global;
        var pairs = new List<PairScore>();
        int total = set.AllTurn.Count + set.FinalTurn.Count, done = 0;
        foreach (string setting in EvalSet.Settings)
        {
            foreach (var pair in set.Pairs(setting))
            {
                pairs.Add(ScorePair(setting, pair, clip, dino, clipT, global));
                progress?.Invoke(++done, total);
            }
        }
        var missing = new List<string>();
        if (clip == null) missing.Add("clip-i, clip-t, clip-t_oracle and ClipSimilarity: no CLIP model given");
        if (dino == null) missing.Add("dino: no DINO model given");
        if (clip != null && global == null) missing.Add("ClipSimilarity: no global captions");
        if (set.FinalTurnMissing != null) missing.Add("final_turn: " + set.FinalTurnMissing);
        int untruthful = set.AllTurn.Count(p => p.GroundTruth is null);
        if (untruthful > 0)
            missing.Add($"l1, l2, clip-i, dino and clip-t_oracle: {untruthful} of {set.AllTurn.Count} single-turn pairs have no ground-truth image (records without edited_image)");
        return new EvalReport(set, captions, pairs, missing);
    }

    /// <summary>One pair's numbers; captions are looked up only for the metrics that need them.</summary>
    public static PairScore ScorePair(string setting, EvalPair pair, EvalClip? clip, EvalDino? dino, CaptionTable? clipTCaptions, CaptionTable? globalCaptions)
    {
        var score = new PairScore { Setting = setting, Pair = pair };
        if (pair.GroundTruth is { } truthPath)
        {
            var generated = RgbPixels.Load(pair.Generated);
            var truth = RgbPixels.Load(truthPath);
            score = score with { L1 = MagicBrushMetrics.L1(generated, truth), L2 = MagicBrushMetrics.L2(generated, truth) };
            if (dino != null)
                score = score with { Dino = MagicBrushMetrics.Dino(dino.Features(pair.Generated), dino.Features(truthPath)) };
        }
        if (clip == null) return score;
        float[] g = clip.ImageFeatures(pair.Generated);
        float[]? t = pair.GroundTruth is null ? null : clip.ImageFeatures(pair.GroundTruth);
        if (t != null) score = score with { ClipI = MagicBrushMetrics.ClipI(g, t) };
        if (clipTCaptions != null)
        {
            string caption = clipTCaptions.Get(pair.Session, pair.GroundTruthKey);
            float[] c = clip.TextFeatures(caption);
            score = score with { Caption = caption, ClipT = MagicBrushMetrics.ClipT(g, c), ClipTOracle = t is null ? null : MagicBrushMetrics.ClipTOracle(t, c) };
        }
        if (globalCaptions != null)
        {
            string text0 = globalCaptions.Get(pair.Session, pair.EditInputKey), text1 = globalCaptions.Get(pair.Session, pair.GroundTruthKey);
            var i0 = clip.Ip2pImageFeatures(pair.EditInput);
            var i1 = clip.Ip2pImageFeatures(pair.Generated);
            var t0 = clip.Ip2pTextFeatures(text0);
            var t1 = clip.Ip2pTextFeatures(text1);
            score = score with
            {
                Text0 = text0, Text1 = text1,
                Sim0 = Ip2pClipSimilarity.Sim0(i0, t0), Sim1 = Ip2pClipSimilarity.Sim1(i1, t1),
                SimDirection = Ip2pClipSimilarity.SimDirection(i0, i1, t0, t1), SimImage = Ip2pClipSimilarity.SimImage(i0, i1),
            };
        }
        return score;
    }
}
