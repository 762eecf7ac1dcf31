using System.Globalization;
using System.Text;
using Uip2p.Evaluation;
using Uip2p.IO;
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

/// <summary>Rows written as the demo and <c>uip2p eval world</c> write them: CSV files and Markdown tables.</summary>
public static class DemoRows
{
    /// <summary>One line per row: count, each score's mean and standard error, judge success per kind.</summary>
    public static void WriteCsv(string path, IReadOnlyList<DemoRow> rows)
    {
        var sb = new StringBuilder("model,count,l1,l1_se,l2,l2_se,l1_in_mask,l1_in_mask_se,l1_outside_mask,l1_outside_mask_se,l2_in_mask,l2_in_mask_se,l2_outside_mask,l2_outside_mask_se,"
            + "judge_success,judge_success_se,edit_happened,edit_happened_se,rest_kept,rest_kept_se"
            + string.Concat(Enum.GetValues<EditKind>().Select(k => $",success_{k.ToString().ToLowerInvariant()},count_{k.ToString().ToLowerInvariant()}")) + "\n");
        foreach (var r in rows)
        {
            var cells = new List<string> { r.Model, r.Count.ToString(CultureInfo.InvariantCulture) };
            foreach (var e in new[] { r.L1, r.L2, r.L1InMask, r.L1OutsideMask, r.L2InMask, r.L2OutsideMask, r.Success, r.EditHappened, r.RestKept })
                cells.AddRange([F(e.Mean), F(e.StandardError)]);
            foreach (var k in Enum.GetValues<EditKind>())
                cells.AddRange([F(r.SuccessOf(k).Mean), r.SuccessOf(k).Count.ToString(CultureInfo.InvariantCulture)]);
            sb.AppendLine(string.Join(',', cells));
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>One line per row and edit: its scores, the judge's verdict and reason.</summary>
    public static void WritePerEditCsv(string path, IReadOnlyList<DemoRow> rows)
    {
        var sb = new StringBuilder("model,id,kind,l1,l2,l1_in_mask,l1_outside_mask,l2_in_mask,l2_outside_mask,edit_happened,rest_kept,success,judge_reason\n");
        foreach (var r in rows)
            foreach (var (s, v) in r.Scores.Zip(r.Verdicts))
                sb.AppendLine(string.Join(',', r.Model, s.Id, s.Kind, F(s.L1), F(s.L2), F(s.L1InMask), F(s.L1OutsideMask), F(s.L2InMask), F(s.L2OutsideMask),
                    v.EditHappened ? "1" : "0", v.RestKept ? "1" : "0", v.Success ? "1" : "0", "\"" + v.Reason.Replace("\"", "'") + "\""));
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>The scores table and the judge's success per edit kind, as Markdown.</summary>
    public static string Markdown(IReadOnlyList<DemoRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| model | judge success | edit happened | rest kept | L1 | L2 | L1 in mask | L1 outside | L2 in mask | L2 outside |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var m in rows)
            sb.AppendLine($"| {m.Model} | {m.Success.Percent()} | {m.EditHappened.Percent()} | {m.RestKept.Percent()} | {m.L1.ToString("F4")} | {m.L2.ToString("F4")} | "
                + $"{m.L1InMask.ToString("F4")} | {m.L1OutsideMask.ToString("F4")} | {m.L2InMask.ToString("F4")} | {m.L2OutsideMask.ToString("F4")} |");
        var kinds = Enum.GetValues<EditKind>();
        sb.AppendLine("\nJudge success per edit kind (edits of that kind in brackets):\n");
        sb.AppendLine("| model | " + string.Join(" | ", kinds.Select(k => $"{k.ToString().ToLowerInvariant()} ({(rows.Count == 0 ? 0 : rows[0].SuccessOf(k).Count)})")) + " |");
        sb.AppendLine("|---|" + string.Concat(kinds.Select(_ => "---|")));
        foreach (var m in rows)
            sb.AppendLine($"| {m.Model} | " + string.Join(" | ", kinds.Select(k => m.SuccessOf(k).Percent())) + " |");
        return sb.ToString();
    }
}
