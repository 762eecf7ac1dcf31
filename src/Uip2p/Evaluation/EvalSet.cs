namespace Uip2p.Evaluation;

/// <summary>Which captions CLIP-T uses: MagicBrush's local descriptions (the paper's numbers) or the global ones.</summary>
public enum CaptionKind { Local, Global }

/// <summary>
/// The pairs of one evaluation in MagicBrush's two settings: <c>all_turn</c> (single-turn: every turn edited
/// from its ground-truth input) and <c>final_turn</c> (multi-turn: the final iterated image against the final
/// ground truth), with the captions available. <see cref="FinalTurnMissing"/> says why final_turn is empty
/// when the generated folders hold no iterated images (a single-turn run).
/// </summary>
public sealed record EvalSet(
    string GeneratedDir,
    string GroundTruthDir,
    IReadOnlyList<EvalPair> AllTurn,
    IReadOnlyList<EvalPair> FinalTurn,
    CaptionTable? Local,
    CaptionTable? Global,
    string? FinalTurnMissing = null)
{
    /// <summary>MagicBrush's names of the two settings, in the order its script fills evaluated_metrics_dict.</summary>
    public static readonly string[] Settings = ["final_turn", "all_turn"];

    public IReadOnlyList<EvalPair> Pairs(string setting) => setting switch
    {
        "final_turn" => FinalTurn,
        "all_turn" => AllTurn,
        _ => throw new ArgumentException($"Unknown setting '{setting}'; expected final_turn or all_turn."),
    };

    /// <summary>The caption table for CLIP-T, or an error naming what is missing.</summary>
    public CaptionTable Captions(CaptionKind kind) => kind switch
    {
        CaptionKind.Local => Local ?? throw new InvalidDataException($"{GroundTruthDir}: no local captions (local_descriptions.json); use --captions global."),
        _ => Global ?? throw new InvalidDataException($"{GroundTruthDir}: no global captions (global_descriptions.json)."),
    };
}
