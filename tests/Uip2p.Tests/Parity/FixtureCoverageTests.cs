namespace Uip2p.Tests.Parity;

/// <summary>Every fixture directory under the oracle root is checked by some parity test: a new kind of fixture cannot be ignored silently.</summary>
public class FixtureCoverageTests
{
    [Fact]
    public void Every_fixture_directory_has_a_parity_test()
    {
        var claimed = new HashSet<string>();
        foreach (var data in new[] { ClipParityTests.Fixtures, DinoParityTests.Fixtures, DiffusionParityTests.UNets, DiffusionParityTests.Vaes,
                     SchedulerParityTests.Fixtures, PipelineParityTests.Fixtures, TokenizerParityTests.Fixtures,
                     Evaluation.MetricsParityTests.Fixtures })
            foreach (string dir in data) claimed.Add(dir);
        var all = OracleFixture.All();
        Assert.True(all.Count >= 8, $"only {all.Count} fixtures under {TestPaths.Oracle}");
        var unclaimed = all.Where(f => !claimed.Contains(f.Dir)).Select(f => $"{f.Name} ({f.ReferenceClass})").ToList();
        Assert.True(unclaimed.Count == 0, "fixtures no parity test handles: " + string.Join(", ", unclaimed));
    }
}
