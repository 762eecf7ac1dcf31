using Microsoft.Data.Analysis;
using Uip2p.Experiments;
using Uip2p.Training;

namespace Uip2p.Tests.Experiments;

/// <summary>The ablation tables from known scores: statistics over seeds, missing values, and CSV that DataFrame reads back.</summary>
public class AblationResultsTests
{
    static AblationEdit Edit(double l1, bool success, double? clip = null) =>
        new("e", "colour", l1, l1 * l1, l1, double.NaN, l1, double.NaN, success, true, "", clip, clip, clip, clip);

    static AblationScores Scores(params AblationEdit[] edits) => new(new AblationEvalSettings { HeldOut = edits.Length }, edits);

    static AblationRun Run(string variant, int seed, params string[] overrides) =>
        new(new AblationVariant(variant, overrides), seed, $"{AblationVariant.SlugOf(variant)}_seed{seed}", new TrainConfig());

    static AblationResults Table() => new(
        Scores(Edit(0.1, false), Edit(0.3, false)),
        [
            (Run("a, \"quoted\"", 0, "cec.weights.attention=0"), Scores(Edit(0.2, true), Edit(0.4, false))),    // mean 0.3
            (Run("a, \"quoted\"", 1, "cec.weights.attention=0"), Scores(Edit(0.4, true), Edit(0.6, true))),     // mean 0.5
            (Run("b", 0), Scores(Edit(0.1, false), Edit(0.3, true))),
        ]);

    [Fact]
    public void Summary_is_the_mean_of_the_runs_with_spread_over_seeds_or_edits()
    {
        var t = Table();
        Assert.Equal(["identity", "a, \"quoted\"", "b"], t.Summary.Select(s => s.Variant));
        var a = t.Summary[1].Metrics["l1"];
        Assert.Equal(0.4, a.Mean, 12);
        Assert.Equal(Math.Sqrt(0.02), a.Std, 12);                 // runs' means 0.3 and 0.5
        Assert.Equal(Math.Sqrt(0.02) / Math.Sqrt(2), a.StandardError, 12);
        Assert.Equal("seeds", t.Summary[1].SeOver);
        Assert.Equal(0.75, t.Summary[1].Metrics["judge_success"].Mean, 12);
        var b = t.Summary[2].Metrics["l1"];
        Assert.True(double.IsNaN(b.Std));
        Assert.Equal(0.1, b.StandardError, 12);                   // one run: the standard error over its two edits
        Assert.Equal("edits", t.Summary[2].SeOver);
        Assert.True(double.IsNaN(t.Summary[0].Metrics["l1_outside_mask"].Mean));
        Assert.Null(t.Figure("clip_i"));                          // no run has CLIP scores: no figure
        Assert.NotNull(t.Figure("l1"));
    }

    [Fact]
    public void The_csv_tables_read_back_with_DataFrame_LoadCsv()
    {
        using var dir = new TempDir();
        var t = Table();
        var files = t.Write(dir.Path);
        Assert.Contains("l1_in_mask.png", files);
        Assert.DoesNotContain("clip_i.png", files);
        var results = DataFrame.LoadCsv(dir.File("results.csv"));
        Assert.Equal(4, results.Rows.Count);
        Assert.Equal("a, \"quoted\"", results.Columns["variant"][1]);
        Assert.Equal("cec.weights.attention=0", results.Columns["overrides"][1]);
        Assert.Null(results.Columns["seed"][0]);
        Assert.True(results.Columns["clip_i"][1] is null or "", "missing values are empty cells");   // LoadCsv types an all-empty column as text
        Assert.Equal(0.5, Convert.ToDouble(results.Columns["l1"][2]), 6);
        var summary = DataFrame.LoadCsv(dir.File("summary.csv"));
        Assert.Equal(3, summary.Rows.Count);
        Assert.Equal(Math.Sqrt(0.02), Convert.ToDouble(summary.Columns["l1_std"][1]), 6);
        Assert.Null(summary.Columns["l1_std"][2]);
        Assert.Equal(t.SummaryFrame().Columns.Select(c => c.Name), summary.Columns.Select(c => c.Name));
        Assert.Contains("| a, \"quoted\" | 2 | 75 % ± 25 |", File.ReadAllText(dir.File("summary.md")));
    }
}
