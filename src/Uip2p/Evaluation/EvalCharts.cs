using System.Globalization;
using Uip2p.Charts;

namespace Uip2p.Evaluation;

/// <summary>One point of a study: an editor at one setting (image guidance or step count) and its scores.</summary>
public sealed record StudyPoint(string Editor, double Setting, double? SimDirection, double? SimImage, IReadOnlyDictionary<string, double?> Metrics);

/// <summary>The evaluation figures (ScottPlot, PNG and SVG): InstructPix2Pix's Fig. 5 sweep and the step-count study.</summary>
public static class EvalCharts
{
    /// <summary>
    /// The IP2P plot: x = CLIP direction similarity, y = CLIP image similarity, one line per editor through its
    /// image-guidance values, each point labelled with its s_I.
    /// </summary>
    public static ScottPlot.Plot Sweep(IReadOnlyList<StudyPoint> points, double textGuidance)
    {
        var plot = ChartStyle.NewPlot();
        foreach (var editor in points.GroupBy(p => p.Editor))
        {
            var pts = editor.Where(p => p.SimDirection.HasValue && p.SimImage.HasValue).OrderBy(p => p.Setting).ToList();
            if (pts.Count == 0) continue;
            var line = plot.Add.Scatter(pts.Select(p => p.SimDirection!.Value).ToArray(), pts.Select(p => p.SimImage!.Value).ToArray());
            line.LegendText = editor.Key;
            line.MarkerSize = 7;
            foreach (var p in pts)
            {
                var label = plot.Add.Text(p.Setting.ToString("0.0##", CultureInfo.InvariantCulture), p.SimDirection!.Value, p.SimImage!.Value);
                label.LabelFontSize = 10;
                label.LabelOffsetX = 4;
                label.LabelOffsetY = -4;
            }
        }
        plot.Title($"CLIP similarities over image guidance (text guidance {textGuidance.ToString(CultureInfo.InvariantCulture)})");
        plot.XLabel("CLIP text-image direction similarity");
        plot.YLabel("CLIP image similarity");
        plot.ShowLegend();
        return plot;
    }

    /// <summary>The step-count study: one panel's worth of lines, one per editor and metric, against sampling steps (log axis values as ticks).</summary>
    public static ScottPlot.Plot Steps(IReadOnlyList<StudyPoint> points, string setting, IReadOnlyList<string> metrics)
    {
        var plot = ChartStyle.NewPlot();
        foreach (var editor in points.GroupBy(p => p.Editor))
            foreach (string metric in metrics)
            {
                var pts = editor.Where(p => p.Metrics.TryGetValue(metric, out var v) && v.HasValue).OrderBy(p => p.Setting).ToList();
                if (pts.Count == 0) continue;
                var line = plot.Add.Scatter(pts.Select(p => Math.Log10(p.Setting)).ToArray(), pts.Select(p => p.Metrics[metric]!.Value).ToArray());
                line.LegendText = $"{editor.Key} {metric}";
                line.MarkerSize = 7;
            }
        var steps = points.Select(p => p.Setting).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(steps.Select(Math.Log10).ToArray(), steps.Select(s => s.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.Title($"Metrics against sampling steps ({setting})");
        plot.XLabel("sampling steps");
        plot.YLabel("score");
        plot.ShowLegend();
        return plot;
    }

    /// <summary>Saves a figure as <paramref name="stem"/>.png and .svg.</summary>
    public static void SaveBoth(ScottPlot.Plot plot, string stem)
    {
        ChartStyle.Save(plot, stem + ".png");
        ChartStyle.Save(plot, stem + ".svg");
    }
}
