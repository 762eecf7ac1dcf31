using Uip2p.Evaluation;
using Uip2p.Notebooks;

namespace Uip2p.Tests.Evaluation;

/// <summary>Results as DataFrames for notebooks, carrying their provenance.</summary>
public class EvalReportTests
{
    [Fact]
    public void Report_frames_hold_every_pair_and_the_aggregates_with_provenance()
    {
        string? dir = null;
        foreach (string d in MetricsParityTests.Fixtures) { dir = d; break; }
        Assert.True(dir != null, "no metrics fixture");
        var report = MetricsFixture.Of(dir!).Local;
        var pairs = report.PairsFrame();
        Assert.Equal(report.Pairs.Count, pairs.Rows.Count);
        Assert.Equal(report.Pairs[0].L1, (double?)pairs["l1"][0]);
        var agg = report.AggregatesFrame();
        Assert.Equal(EvalSet.Settings.Length, agg.Rows.Count);
        Assert.Equal(report.Aggregate("all_turn", "dino"), (double?)agg["dino"][1]);
        Assert.Equal(report.Set.GeneratedDir, (string)agg["generated"][0]);
        string html = Tables.ToHtml(agg);
        Assert.Contains("<th>clip-t_oracle</th>", html);
        Assert.Contains("<th>captions</th>", html);
    }
}
