namespace Uip2p.Evaluation;

/// <summary>
/// One generated image and what it is compared with: the ground truth of its turn, the image the edit
/// started from (for ClipSimilarity's image 0), and the caption keys (session + file name, as MagicBrush's
/// <c>caption_dict[session][file]</c> looks them up).
/// </summary>
public sealed record EvalPair(string Session, int Turn, string Generated, string GroundTruth, string EditInput)
{
    /// <summary>The caption key of the ground truth: its file name.</summary>
    public string GroundTruthKey => Path.GetFileName(GroundTruth);

    /// <summary>The caption key of the edit's input image.</summary>
    public string EditInputKey => Path.GetFileName(EditInput);
}
