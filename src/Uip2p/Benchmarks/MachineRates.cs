using System.Diagnostics;
using static TorchSharp.torch;

namespace Uip2p.Benchmarks;

/// <summary>What this machine can do, measured in the same process as a benchmark.</summary>
public static class MachineRates
{
    /// <summary>Large-matrix single-precision GEMM rate (FLOP/s): best of several n×n·n×n products.</summary>
    public static double SgemmFlopsPerSecond(int n = 2048, int repeats = 5, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device);
        var b = randn(n, n, device: device);
        a.matmul(b).Dispose(); // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            using var c = a.matmul(b);
            if (c.device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best;
    }

    /// <summary>
    /// Times <paramref name="step"/> (called with 1, 2, …) best of <paramref name="repeats"/> after one warm-up call (0), with
    /// the peak RSS reached while the timed calls ran.
    /// </summary>
    public static (double Seconds, long PeakBytes) BestOf(Action<int> step, int repeats)
    {
        step(0);
        ResetPeakMemory();
        double best = double.MaxValue;
        for (int i = 1; i <= repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            step(i);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return (best, PeakMemoryBytes());
    }

    /// <summary>Resets the kernel's peak-RSS mark (Linux: /proc/self/clear_refs); false where not possible.</summary>
    public static bool ResetPeakMemory()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Peak resident set size since start or the last reset, in bytes (VmHWM); 0 where unknown.</summary>
    public static long PeakMemoryBytes() => ReadStatus("VmHWM:");

    /// <summary>Current resident set size in bytes (VmRSS); 0 where unknown.</summary>
    public static long CurrentMemoryBytes() => ReadStatus("VmRSS:");

    static long ReadStatus(string field)
    {
        if (!File.Exists("/proc/self/status")) return 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0]) * 1024;
        return 0;
    }
}
