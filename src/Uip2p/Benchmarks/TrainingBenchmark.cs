using System.Diagnostics;
using Uip2p.Cec;
using Uip2p.Data;
using Uip2p.Objectives;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Training;
using static TorchSharp.torch;

namespace Uip2p.Benchmarks;

/// <summary>Process RSS sampled during a long CEC run (it must stay flat: no native leak).</summary>
public sealed record RssTrace(int Steps, IReadOnlyList<(int Step, long Bytes)> Samples, double SecondsPerStep)
{
    /// <summary>Growth from the first sample after warm-up (step ≥ 10 % of the run) to the last, in bytes.</summary>
    public long GrowthAfterWarmup
    {
        get
        {
            var after = Samples.Where(s => s.Step >= Steps / 10).ToList();
            return after.Count < 2 ? 0 : after[^1].Bytes - after[0].Bytes;
        }
    }
}

/// <summary>
/// Training-step benchmarks on the world components: a CEC step against a supervised step on the same
/// batch (time, peak RSS), and RSS over a long CEC run.
/// </summary>
public static class TrainingBenchmark
{
    static (EditingComponents, EditBatch) Setup(string components, string data, int batchSize)
    {
        var c = EditingComponents.Load(components);
        var dataset = new EditDataset(data) { RequireGroundTruth = true };
        var batches = new EditBatches(dataset, dataset.ReadAll(), 0, c.Vae.Config.SampleSize);
        return (c, batches.Batch(0, batchSize));
    }

    /// <summary>Forward + backward + AdamW step, best of <paramref name="repeats"/> after a warm-up, for CEC and supervised.</summary>
    public static IReadOnlyList<BenchResult> CompareSteps(string components, string data, int batchSize, int repeats, Action<string>? log = null)
    {
        var (c, batch) = Setup(components, data, batchSize);
        var results = new List<BenchResult>();
        foreach (string method in new[] { "supervised", "cec" })
        {
            var unet = c.LoadEditor();
            unet.train();
            var optimizer = optim.AdamW(unet.parameters(), 1e-5);
            ITrainingObjective<EditBatch> objective = method == "cec" ? new CecStep(unet, c, new CecOptions { ConditioningDropout = 0 }) : new SupervisedStep(unet, c, 0);
            void Step(int i)
            {
                using var scope = NewDisposeScope();
                using var g = Seeding.Generator(i);
                optimizer.zero_grad();
                objective.Loss(batch, g).Total.backward();
                optimizer.step();
            }
            var (seconds, peak) = MachineRates.BestOf(Step, repeats);
            var r = new BenchResult($"{method} training step (world, batch {batchSize})", seconds, peak, 0, 0);
            log?.Invoke($"{r.Name}: {r.Seconds:F3} s, peak RSS {r.PeakBytes / 1e9:F2} GB");
            results.Add(r);
        }
        return results;
    }

    /// <summary>RSS every <paramref name="every"/> steps over <paramref name="steps"/> CEC steps (a fresh batch each step).</summary>
    public static RssTrace CecRss(string components, string data, int batchSize, int steps, int every, Action<string>? log = null)
    {
        var c = EditingComponents.Load(components);
        var dataset = new EditDataset(data);
        var batches = new EditBatches(dataset, dataset.ReadAll(), 0, c.Vae.Config.SampleSize);
        var unet = c.LoadEditor();
        unet.train();
        var optimizer = optim.AdamW(unet.parameters(), 1e-5);
        var cec = new CecStep(unet, c, new CecOptions());
        var samples = new List<(int, long)>();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            using (var scope = NewDisposeScope())
            {
                using var batch = batches.Batch((long)i * batchSize, batchSize);
                using var g = Seeding.Generator(i);
                optimizer.zero_grad();
                cec.Run(batch, g).Total.backward();
                optimizer.step();
            }
            if ((i + 1) % every == 0 || i == 0)
            {
                GC.Collect();
                samples.Add((i + 1, MachineRates.CurrentMemoryBytes()));
                log?.Invoke($"CEC step {i + 1}: RSS {samples[^1].Item2 / 1e6:F0} MB");
            }
        }
        return new RssTrace(steps, samples, sw.Elapsed.TotalSeconds / steps);
    }
}
