using Uip2p.Evaluation;
using Uip2p.World;

namespace Uip2p.Experiments;

/// <summary>
/// One row of the demo's report: a model's (or a reference's) held-out edits, scored against the clean ground truth
/// (L1/L2, inside and outside the edit mask) and judged from the pixels (<see cref="EditJudge"/>), each with its
/// standard error over edits.
/// </summary>
public sealed record DemoRow(string Model, IReadOnlyList<EditScore> Scores, IReadOnlyList<EditVerdict> Verdicts)
{
    public int Count => Scores.Count;
    public Estimate L1 => Estimate.Of(Scores.Select(s => s.L1));
    public Estimate L2 => Estimate.Of(Scores.Select(s => s.L2));
    public Estimate L1InMask => Estimate.Of(Scores.Select(s => s.L1InMask));
    public Estimate L1OutsideMask => Estimate.Of(Scores.Select(s => s.L1OutsideMask));
    public Estimate L2InMask => Estimate.Of(Scores.Select(s => s.L2InMask));
    public Estimate L2OutsideMask => Estimate.Of(Scores.Select(s => s.L2OutsideMask));
    public Estimate Success => Estimate.Of(Verdicts.Select(v => v.Success));
    public Estimate EditHappened => Estimate.Of(Verdicts.Select(v => v.EditHappened));
    public Estimate RestKept => Estimate.Of(Verdicts.Select(v => v.RestKept));

    /// <summary>Judge success of the edits of one kind.</summary>
    public Estimate SuccessOf(EditKind kind) => Estimate.Of(Verdicts.Where(v => v.Kind == kind).Select(v => v.Success));
}
