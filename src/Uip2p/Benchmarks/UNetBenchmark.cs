using System.Diagnostics;
using TorchSharp;
using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using static TorchSharp.torch;

namespace Uip2p.Benchmarks;

/// <summary>One measured workload: best wall time, peak RSS during it, its FLOPs and the share of the machine's sgemm rate reached.</summary>
public sealed record BenchResult(string Name, double Seconds, long PeakBytes, double Flops, double SgemmFlopsPerSecond)
{
    public double AchievedFlopsPerSecond => Flops / Seconds;
    public double FractionOfSgemm => SgemmFlopsPerSecond > 0 ? AchievedFlopsPerSecond / SgemmFlopsPerSecond : 0;
}

/// <summary>
/// The UNet benchmarks of the workbench: an SD1.5-size InstructPix2Pix UNet (random weights) forward and
/// forward+backward at a given latent size, batch 1, against this machine's sgemm rate; and the tiny
/// pipeline's edit time for a few step counts.
/// </summary>
public static class UNetBenchmark
{
    /// <summary>The SD1.5 InstructPix2Pix UNet config (8 input channels, 320/640/1280/1280, cross-attention 768).</summary>
    public static UNet2DConditionConfig Sd15InstructPix2Pix => new() { InChannels = 8, SampleSize = 64 };

    public static IReadOnlyList<BenchResult> RunUNet(UNet2DConditionConfig config, int latent, int repeats, Action<string>? log = null)
    {
        log?.Invoke("measuring this machine's sgemm rate (2048×2048 float32)…");
        double sgemm = MachineRates.SgemmFlopsPerSecond();
        log?.Invoke($"  sgemm: {sgemm / 1e9:F1} GFLOP/s");
        log?.Invoke($"building the UNet ({string.Join("/", config.BlockOutChannels)}, {config.InChannels} input channels)…");
        var sw = Stopwatch.StartNew();
        var unet = new UNet2DConditionModel(config);
        log?.Invoke($"  built in {sw.Elapsed.TotalSeconds:F1} s, {unet.parameters().Sum(p => p.numel()):N0} parameters");
        var x = randn(1, config.InChannels, latent, latent);
        var t = tensor(500L);
        var ctx = randn(1, 77, config.CrossAttentionDim[0]);

        double flops;
        using (no_grad())
        using (var counter = new FlopCounter(unet))
        {
            unet.Forward(x, t, ctx).Dispose(); // also the warm-up
            flops = counter.Flops;
        }
        log?.Invoke($"  forward: {flops / 1e9:F1} GFLOP (analytic: convolutions, linears, attention matmuls)");

        var results = new List<BenchResult>();
        unet.eval();
        results.Add(Measure("UNet forward", repeats, sgemm, flops, () =>
        {
            using var _ = no_grad();
            unet.Forward(x, t, ctx).Dispose();
        }, log));
        unet.train();
        results.Add(Measure("UNet forward+backward", repeats, sgemm, 3 * flops, () =>
        {
            using var scope = NewDisposeScope();
            unet.zero_grad();
            unet.Forward(x, t, ctx).square().mean().backward();
        }, log));
        unet.Dispose();
        return results;
    }

    public static IReadOnlyList<BenchResult> RunTinyPipeline(string folder, int[] stepCounts, Action<string>? log = null)
    {
        var pipeline = TinyPipeline.Create(folder);
        var image = rand(1, 3, 32, 32);
        pipeline.Edit(image, ["warm up"], new EditOptions { Steps = 2 }).Dispose();
        return stepCounts.Select(n => Measure($"tiny pipeline edit, {n} steps (32×32)", 1, 0, 0,
            () => pipeline.Edit(image, ["make it red"], new EditOptions { Steps = n }).Dispose(), log)).ToList();
    }

    static BenchResult Measure(string name, int repeats, double sgemm, double flops, Action work, Action<string>? log)
    {
        double best = double.MaxValue;
        MachineRates.ResetPeakMemory();
        for (int i = 0; i < Math.Max(1, repeats); i++)
        {
            var sw = Stopwatch.StartNew();
            work();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        var result = new BenchResult(name, best, MachineRates.PeakMemoryBytes(), flops, sgemm);
        log?.Invoke(flops > 0
            ? $"  {name}: {best:F2} s, peak RSS {result.PeakBytes / 1e9:F2} GB, {result.AchievedFlopsPerSecond / 1e9:F1} GFLOP/s = {result.FractionOfSgemm:P0} of sgemm"
            : $"  {name}: {best:F3} s, peak RSS {result.PeakBytes / 1e9:F2} GB");
        return result;
    }
}
