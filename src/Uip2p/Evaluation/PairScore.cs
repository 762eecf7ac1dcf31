namespace Uip2p.Evaluation;

/// <summary>
/// Every number of one pair in one setting. A null value is a metric that was not computed (its model not
/// given, or its captions absent): reported as missing, never as 0.
/// </summary>
public sealed record PairScore
{
    public required string Setting { get; init; }
    public required EvalPair Pair { get; init; }
    public double? L1 { get; init; }
    public double? L2 { get; init; }
    public float? ClipI { get; init; }
    public float? Dino { get; init; }
    public float? ClipT { get; init; }
    public float? ClipTOracle { get; init; }
    public string? Caption { get; init; }
    public float? Sim0 { get; init; }
    public float? Sim1 { get; init; }
    public float? SimDirection { get; init; }
    public float? SimImage { get; init; }
    public string? Text0 { get; init; }
    public string? Text1 { get; init; }
}
