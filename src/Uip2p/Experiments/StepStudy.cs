using Microsoft.Data.Analysis;
using Uip2p.Charts;
using Uip2p.Evaluation;
using Uip2p.Imaging;
using Uip2p.Pipelines;

namespace Uip2p.Experiments;

/// <summary>
/// The sampling-step study: each editor edits the same held-out world scenes with 5, 20, 50, … sampling steps
/// (the paper: UIP2P edits well at 5 steps where IP2P needs about 50), scored by the judge and by L1 inside and
/// outside the edit mask, beside the identity (which needs no steps).
/// </summary>
public static class StepStudy
{
    /// <summary>One row per (editor, steps), plus the identity once; and a chart panel per measure with standard-error bars.</summary>
    public static (DataFrame Table, ImageGrid Chart) Run(HeldOutWorld held, IReadOnlyList<(string Name, InstructPix2PixPipeline Pipeline)> editors,
        IReadOnlyList<int> steps, EditOptions options)
    {
        if (steps.Count == 0 || steps.Any(s => s < 1)) throw new ArgumentException($"Steps must be positive; got [{string.Join(", ", steps)}].");
        var identity = held.Row("identity", null, options).Row;
        var rows = new List<(string Editor, int Steps, DemoRow Row)>();
        foreach (var (name, pipeline) in editors)
            foreach (int n in steps)
                rows.Add((name, n, held.Row($"{name}, {n} steps", pipeline, options with { Steps = n }).Row));

        var all = rows.Prepend((Editor: "identity", Steps: 0, Row: identity)).ToList();
        var table = HeldOutWorld.Table(all.Select(r => r.Row));
        table.Columns.Insert(1, new Int32DataFrameColumn("steps", all.Select(r => (int?)r.Steps)));

        ScottPlot.Plot Panel(string title, Func<DemoRow, Estimate> value)
        {
            var plot = ChartStyle.NewPlot();
            foreach (var (name, _) in editors)
            {
                var mine = rows.Where(r => r.Editor == name).ToList();
                double[] xs = mine.Select(r => (double)r.Steps).ToArray();
                var line = plot.Add.Scatter(xs, mine.Select(r => value(r.Row).Mean).ToArray());
                line.LegendText = name;
                var bars = plot.Add.ErrorBar(xs, mine.Select(r => value(r.Row).Mean).ToArray(), mine.Select(r => value(r.Row).StandardError).ToArray());
                bars.Color = line.Color;
            }
            var flat = plot.Add.HorizontalLine(value(identity).Mean);
            flat.LegendText = "identity";
            flat.Color = ScottPlot.Colors.Gray;
            plot.Title(title);
            plot.XLabel("sampling steps");
            plot.ShowLegend();
            return plot;
        }
        var chart = ChartStyle.Panels(
            [Panel("judge success (higher is better)", r => r.Success), Panel("L1 in the edit mask (lower is better)", r => r.L1InMask),
             Panel("L1 outside the mask (lower is better)", r => r.L1OutsideMask)], columns: 3, width: 380, height: 300,
            title: $"Sampling steps: {held.Count} held-out world edits, mean ± standard error");
        return (table, chart);
    }
}
