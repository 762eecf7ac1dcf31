using Uip2p.Evaluation;

namespace Uip2p.Tests.Evaluation;

public class EstimateTests
{
    [Fact]
    public void The_standard_error_is_the_sample_deviation_over_root_n()
    {
        var e = Estimate.Of([1.0, 2.0, 3.0, 4.0, double.NaN]);
        Assert.Equal(4, e.Count);
        Assert.Equal(2.5, e.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3 / 4), e.StandardError, 12); // sample variance 5/3
        var rate = Estimate.Of([true, false, false, false]);
        Assert.Equal("25 % ± 25", rate.Percent());
        Assert.Equal("100 %", Estimate.Of([true]).Percent()); // one edit: no error to give
        Assert.True(double.IsNaN(Estimate.Of(Array.Empty<double>()).Mean));
    }
}
