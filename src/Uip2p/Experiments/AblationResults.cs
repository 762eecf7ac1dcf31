using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Uip2p.Charts;

namespace Uip2p.Experiments;

/// <summary>One row of results.csv: a run (variant, seed) or the identity reference (no seed), with its held-out scores.</summary>
public sealed record AblationRow(string Variant, int? Seed, string Run, IReadOnlyList<string> Overrides, AblationScores Scores);

/// <summary>
/// A variant's value of one metric over its seeds: the mean of the runs' means, their standard deviation (NaN for one run),
/// and the standard error — over seeds (std/√n) with two or more, else that one run's standard error over the held-out edits.
/// </summary>
public readonly record struct AblationStat(double Mean, double Std, double StandardError);

/// <summary>One row of summary.csv: a variant (or the identity reference) over its seeds; <c>SeOver</c> says what its standard errors are over (<c>seeds</c>, or <c>edits</c> for a single run).</summary>
public sealed record AblationSummaryRow(string Variant, IReadOnlyList<string> Overrides, int Runs, string SeOver, IReadOnlyDictionary<string, AblationStat> Metrics);

/// <summary>
/// The tables and figures of an ablation: one row per run plus the identity reference (results.csv), one row per variant
/// with mean, standard deviation and standard error over seeds (summary.csv, summary.md), and a bar chart with error
/// bars per metric (<c>&lt;metric&gt;.png/.svg</c>). As <see cref="DataFrame"/>s for notebooks.
/// </summary>
public sealed class AblationResults
{
    public AblationResults(AblationScores identity, IReadOnlyList<(AblationRun Run, AblationScores Scores)> runs)
    {
        Rows = [new AblationRow(AblationVariant.Identity, null, AblationVariant.Identity, [], identity),
            .. runs.Select(r => new AblationRow(r.Run.Variant.Name, r.Run.Seed, r.Run.Slug, r.Run.Variant.Overrides, r.Scores))];
        Summary = Rows.GroupBy(r => r.Variant).Select(Summarise).ToList();
    }

    /// <summary>The identity reference first, then every run in plan order.</summary>
    public IReadOnlyList<AblationRow> Rows { get; }
    /// <summary>The identity reference first, then every variant in plan order.</summary>
    public IReadOnlyList<AblationSummaryRow> Summary { get; }

    public int HeldOut => Rows[0].Scores.Edits.Count;

    static AblationSummaryRow Summarise(IGrouping<string, AblationRow> variant)
    {
        var rows = variant.ToList();
        var metrics = new Dictionary<string, AblationStat>();
        foreach (var m in AblationMetric.All)
        {
            var estimates = rows.Select(r => r.Scores.Of(m.Key)).Where(e => double.IsFinite(e.Mean)).ToList();
            if (estimates.Count == 0) { metrics[m.Key] = new(double.NaN, double.NaN, double.NaN); continue; }
            double mean = estimates.Average(e => e.Mean);
            double std = estimates.Count < 2 ? double.NaN : Math.Sqrt(estimates.Sum(e => (e.Mean - mean) * (e.Mean - mean)) / (estimates.Count - 1));
            metrics[m.Key] = new(mean, std, estimates.Count < 2 ? estimates[0].StandardError : std / Math.Sqrt(estimates.Count));
        }
        return new AblationSummaryRow(variant.Key, rows[0].Overrides, rows.Count, rows.Count < 2 ? "edits" : "seeds", metrics);
    }

    /// <summary>results.csv: variant, seed, run, overrides, edits, then each metric and its standard error over edits.</summary>
    public DataFrame ResultsFrame()
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("variant", Rows.Select(r => r.Variant)),
            new PrimitiveDataFrameColumn<int>("seed", Rows.Select(r => r.Seed)),
            new StringDataFrameColumn("run", Rows.Select(r => r.Run)),
            new StringDataFrameColumn("overrides", Rows.Select(r => string.Join(' ', r.Overrides))),
            new PrimitiveDataFrameColumn<int>("edits", Rows.Select(r => r.Scores.Edits.Count)));
        foreach (var m in AblationMetric.All)
        {
            var e = Rows.Select(r => r.Scores.Of(m.Key)).ToList();
            frame.Columns.Add(Numbers(m.Key, e.Select(x => x.Mean)));
            frame.Columns.Add(Numbers(m.Key + "_se", e.Select(x => x.StandardError)));
        }
        return frame;
    }

    /// <summary>summary.csv: variant, runs, se_over, overrides, then each metric's mean, std and standard error.</summary>
    public DataFrame SummaryFrame()
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("variant", Summary.Select(r => r.Variant)),
            new PrimitiveDataFrameColumn<int>("runs", Summary.Select(r => r.Runs)),
            new StringDataFrameColumn("se_over", Summary.Select(r => r.SeOver)),
            new StringDataFrameColumn("overrides", Summary.Select(r => string.Join(' ', r.Overrides))));
        foreach (var m in AblationMetric.All)
        {
            frame.Columns.Add(Numbers(m.Key, Summary.Select(r => r.Metrics[m.Key].Mean)));
            frame.Columns.Add(Numbers(m.Key + "_std", Summary.Select(r => r.Metrics[m.Key].Std)));
            frame.Columns.Add(Numbers(m.Key + "_se", Summary.Select(r => r.Metrics[m.Key].StandardError)));
        }
        return frame;
    }

    /// <summary>Missing and undefined values (NaN) are nulls, so that CSV cells stay empty and DataFrame sees them as missing.</summary>
    static PrimitiveDataFrameColumn<double> Numbers(string name, IEnumerable<double> values) =>
        new(name, values.Select(v => double.IsFinite(v) ? v : (double?)null));

    /// <summary>A frame as CSV: invariant numbers (round-trip), empty cells for nulls, text quoted where needed.</summary>
    public static string ToCsv(DataFrame frame)
    {
        var sb = new StringBuilder(string.Join(',', frame.Columns.Select(c => Cell(c.Name))) + "\n");
        for (long r = 0; r < frame.Rows.Count; r++)
            sb.AppendLine(string.Join(',', frame.Columns.Select(c => c[r] switch
            {
                null => "",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var o => Cell(o.ToString() ?? ""),
            })));
        return sb.ToString();
    }

    static string Cell(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 || s != s.Trim() ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>summary.md: the main metrics per variant as mean ± standard error, with what the numbers are.</summary>
    public string SummaryMarkdown()
    {
        string[] shown = ["judge_success", "edit_happened", "rest_kept", "l1", "l1_in_mask", "l1_outside_mask", "clip_i", "clip_t", "clip_direction"];
        var sb = new StringBuilder();
        int seeds = Summary.Skip(1).Select(s => s.Runs).DefaultIfEmpty(0).Max();
        sb.AppendLine($"Ablation on {HeldOut} held-out world edits, {Summary.Count - 1} variants × {seeds} seed{(seeds == 1 ? "" : "s")}. Each cell is the mean over seeds of the");
        sb.AppendLine("runs' means ± its standard error over seeds (over the held-out edits where a variant has one run). Judge: the scene read back");
        sb.AppendLine("from each image (`EditJudge`): the asked change happened, the rest kept, success = both. L1 against the clean ground truth");
        sb.AppendLine("(pixels in [0,1], lower is better), whole image and inside/outside the edit mask. CLIP: the evaluation suite's CLIP-I, CLIP-T");
        sb.AppendLine($"(edited caption) and direction similarity. *{AblationVariant.Identity}* returns the input unchanged. All metrics, with std, in summary.csv; per run in results.csv.\n");
        sb.AppendLine("| variant | runs | " + string.Join(" | ", shown) + " |");
        sb.AppendLine("|---|---|" + string.Concat(shown.Select(_ => "---|")));
        foreach (var row in Summary)
        {
            string Show(string key)
            {
                var s = row.Metrics[key];
                if (!double.IsFinite(s.Mean)) return "–";
                bool rate = key is "judge_success" or "edit_happened" or "rest_kept";
                string f(double v) => rate ? (100 * v).ToString("F0", CultureInfo.InvariantCulture) : v.ToString("F4", CultureInfo.InvariantCulture);
                return f(s.Mean) + (rate ? " %" : "") + (double.IsFinite(s.StandardError) ? " ± " + f(s.StandardError) : "");
            }
            sb.AppendLine($"| {row.Variant.Replace("|", "\\|")} | {row.Runs} | " + string.Join(" | ", shown.Select(Show)) + " |");
        }
        return sb.ToString();
    }

    /// <summary>A bar per variant (the identity reference in grey) with its standard error as the error bar; null when no variant has the metric.</summary>
    public ScottPlot.Plot? Figure(string metric)
    {
        var m = AblationMetric.Get(metric);
        if (Summary.All(s => !double.IsFinite(s.Metrics[metric].Mean))) return null;
        var plot = ChartStyle.NewPlot();
        var bars = Summary.Select((s, i) => new ScottPlot.Bar
        {
            Position = i,
            Value = double.IsFinite(s.Metrics[metric].Mean) ? s.Metrics[metric].Mean : 0,
            Error = double.IsFinite(s.Metrics[metric].StandardError) ? s.Metrics[metric].StandardError : 0,
            FillColor = i == 0 ? ScottPlot.Colors.Gray : ScottPlot.Colors.SteelBlue,
        }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Summary.Select((_, i) => (double)i).ToArray(), Summary.Select(s => s.Variant).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = Summary.Max(s => s.Variant.Length) > 12 ? 20 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Summary.Max(s => s.Variant.Length) > 12 ? ScottPlot.Alignment.UpperLeft : ScottPlot.Alignment.UpperCenter;
        plot.Axes.Margins(bottom: 0);
        int seeds = Summary.Skip(1).Select(s => s.Runs).DefaultIfEmpty(0).Max();
        plot.Title($"{m.Title} ({(m.HigherIsBetter ? "higher" : "lower")} is better)");
        plot.YLabel(metric);
        plot.XLabel(seeds > 1
            ? $"variant (mean over {seeds} seeds ± standard error over seeds; {AblationVariant.Identity}: over the {HeldOut} held-out edits)"
            : $"variant (one run each; ± standard error over the {HeldOut} held-out edits)");
        return plot;
    }

    /// <summary>
    /// Writes results.csv, summary.csv, summary.md and the figures (<see cref="AblationMetric.Figures"/>, PNG and SVG) into
    /// <paramref name="folder"/>, each atomically; returns the files written.
    /// </summary>
    public List<string> Write(string folder)
    {
        var written = new List<string>();
        void Text(string name, string text)
        {
            AtomicFile.WriteAllText(Path.Combine(folder, name), text);
            written.Add(name);
        }
        Text("results.csv", ToCsv(ResultsFrame()));
        Text("summary.csv", ToCsv(SummaryFrame()));
        Text("summary.md", SummaryMarkdown());
        foreach (string metric in AblationMetric.Figures)
        {
            if (Figure(metric) is not { } plot) continue;
            int width = Math.Max(640, 90 * Summary.Count);
            foreach (string ext in new[] { ".png", ".svg" })
            {
                ChartStyle.Save(plot, Path.Combine(folder, metric + ext), width, 420);
                written.Add(metric + ext);
            }
        }
        return written;
    }

    /// <summary>
    /// The results of an ablation folder as far as its runs are scored (ablation.json's runs, each run's and the identity's
    /// eval/scores.json), without training or editing anything: for notebooks that look at a finished ablation.
    /// Runs not scored yet are left out.
    /// </summary>
    public static AblationResults Read(string folder)
    {
        string planPath = Path.Combine(folder, Ablation.PlanFile);
        if (!File.Exists(planPath)) throw new FileNotFoundException($"{folder}: no {Ablation.PlanFile}, so it is not an ablation folder.", planPath);
        var plan = JsonNode.Parse(File.ReadAllText(planPath))!;
        var settings = plan["evaluation"].Deserialize<AblationEvalSettings>(AblationEvalSettings.Json)!;
        var identity = AblationScores.Load(AblationEvaluator.ScoresPath(Path.Combine(folder, Ablation.IdentityFolder)), settings)
            ?? throw new InvalidDataException($"{folder}: the identity reference is not scored yet (run the ablation).");
        var runs = new List<(AblationRun, AblationScores)>();
        foreach (var r in (plan["runs"] as JsonArray ?? []).OfType<JsonObject>())
        {
            string slug = r["run"]!.GetValue<string>();
            var scores = AblationScores.Load(AblationEvaluator.ScoresPath(Path.Combine(folder, "runs", slug)), settings);
            if (scores is null) continue;
            var variant = new AblationVariant(r["variant"]!.GetValue<string>(), (r["overrides"] as JsonArray ?? []).Select(o => o!.GetValue<string>()).ToList());
            var config = Training.TrainConfig.FromJson(r["config"]!.AsObject(), planPath);
            runs.Add((new AblationRun(variant, r["seed"]!.GetValue<int>(), slug, config), scores));
        }
        return new AblationResults(identity, runs);
    }
}
