using System.Diagnostics;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uip2p.Tests.Runtime;

/// <summary>
/// The cause of the test host's native crashes, and its cure: a thread that forces garbage collections and
/// finalizers while unscoped temporaries pass through native calls crashed the test host within 40 s
/// (2026-12-02, this machine kind); the same loop with every temporary held by a dispose scope runs clean.
/// Only the cured side is a test — the other side kills the process.
/// </summary>
public class FinalizerRaceTests(ITestOutputHelper output)
{
    [Fact]
    public void Scoped_temporaries_survive_a_storm_of_collections_and_the_test_body_shares_the_scope_thread()
    {
        int threadBefore = Environment.CurrentManagedThreadId;
        var a = ones(256, 256);
        var b = zeros(256, 256);
        var one = ones(1);   // a tensor, not a double: an implicit Scalar is a finalizable temporary no scope holds
        double expected = 256 * 256;
        int wrong = 0, iterations = 0;
        bool stop = false;
        var collector = new Thread(() => { while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); } });
        collector.Start();
        var clock = Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(8))
            {
                using var scope = NewDisposeScope();
                double v = (a - b).abs().mul(one).sum().item<float>();
                if (v != expected) wrong++;
                iterations++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        output.WriteLine($"{iterations} iterations under forced collections, {wrong} wrong");
        Assert.Equal(0, wrong);
        Assert.True(iterations > 50, $"only {iterations} iterations");
        Assert.Equal(threadBefore, Environment.CurrentManagedThreadId);
    }
}
