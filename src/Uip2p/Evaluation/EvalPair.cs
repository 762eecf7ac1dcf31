namespace Uip2p.Evaluation;

/// <summary>
/// One generated image and what it is compared with: the ground truth of its turn (null when the record has
/// none), the image the edit started from (for ClipSimilarity's image 0), and the caption keys (session + file
/// name, as MagicBrush's <c>caption_dict[session][file]</c> looks them up).
/// </summary>
public sealed record EvalPair(string Session, int Turn, string Generated, string? GroundTruth, string EditInput)
{
    /// <summary>The caption key of the edit's target: the ground truth's file name, or <see cref="TargetKey"/>'s stand-in without one.</summary>
    public string GroundTruthKey => TargetKey(GroundTruth, Turn);

    /// <summary>
    /// The caption key of turn <paramref name="turn"/>'s target: the ground truth's file name, or <c>turn-&lt;k&gt;-target</c>
    /// when there is no ground-truth file to name it (a dataset record's edited caption is still known).
    /// </summary>
    public static string TargetKey(string? groundTruth, int turn) => groundTruth is null ? $"turn-{turn}-target" : Path.GetFileName(groundTruth);

    /// <summary>The caption key of the edit's input image.</summary>
    public string EditInputKey => Path.GetFileName(EditInput);
}
