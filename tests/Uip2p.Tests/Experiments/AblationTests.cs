using System.Diagnostics;
using Microsoft.Data.Analysis;
using Uip2p.Experiments;
using Uip2p.Tests.Training;
using Uip2p.Training;

namespace Uip2p.Tests.Experiments;

/// <summary>A tiny ablation end to end on the tiny world: interrupted, resumed, kept, and a lost model retrained from its checkpoint.</summary>
public class AblationTests
{
    static AblationPlan TinyPlan(string config) => new()
    {
        Config = config,
        Variants = ["base: cec.weights.attention=0 cec.weights.similarity=0", "+L_attn: cec.weights.similarity=0"],
        Seeds = 1,
        Evaluation = new AblationEvalSettings { HeldOut = 3, Steps = 2 },
    };

    /// <summary>Every file under the runs with its last write time: what "not trained or scored again" means.</summary>
    static Dictionary<string, DateTime> Snapshot(string folder) =>
        Directory.GetFiles(Path.Combine(folder, "runs"), "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

    [Fact]
    public void A_tiny_ablation_is_interrupted_resumed_tabulated_and_kept()
    {
        using var dir = new TempDir();
        string config = dir.File("tiny.json"), output = dir.File("ablation");
        File.WriteAllText(config, (TinyWorld.Config(steps: 2) with { TensorBoard = false, CheckpointEvery = 1 }).ToJson());
        var plan = TinyPlan(config);
        _ = TinyWorld.Components;   // pretrained once per test run; not part of the ablation's time
        var clock = Stopwatch.StartNew();

        // 1. Stopped (as Ctrl-C does) after the first step of the first run: its checkpoint is left, no table yet.
        using (var stop = new CancellationTokenSource())
        {
            var first = new Ablation(plan, output)
            {
                RunTrainer = (trainer, _, resume, token) => { trainer.AfterStep = (_, _) => stop.Cancel(); return trainer.Run(resume, token); },
            };
            var stopped = first.Run(stop.Token);
            Assert.True(stopped.Interrupted);
            Assert.Equal("base, seed 0, step 1 of 2", stopped.InterruptedAt);
            Assert.False(File.Exists(Path.Combine(output, "results.csv")));
            var (runs, _) = first.Check();
            Assert.Equal([AblationRunState.Interrupted, AblationRunState.New], runs.Select(r => r.State(output)));
        }

        // 2. The rerun resumes that run from its checkpoint and trains the other.
        var calls = new List<(string Run, bool Resume)>();
        var events = new List<string>();
        Ablation Observed() => new(plan, output)
        {
            RunTrainer = (trainer, run, resume, token) =>
            {
                calls.Add((run.Slug, resume));
                trainer.Progress = p => { if (p.Event != null) events.Add(p.Event); };
                return trainer.Run(resume, token);
            },
        };
        var report = Observed().Run();
        Assert.False(report.Interrupted);
        Assert.Equal([("base_seed0", true), ("L_attn_seed0", false)], calls);
        Assert.Contains("resumed from step-000001", events);
        Assert.Equal([1, 2], TrainingLog.Read(Path.Combine(output, "runs", "base_seed0", "metrics.jsonl")).Where(l => l.Phase == "train").Select(l => l.Step));
        Assert.Equal(2, report.Evaluated);   // the two runs; the identity reference was scored before the interruption
        Assert.True(File.Exists(AblationEvaluator.ScoresPath(Path.Combine(output, Ablation.IdentityFolder))));
        double seconds = clock.Elapsed.TotalSeconds;

        // results.csv: one row per run plus identity, readable by DataFrame.LoadCsv.
        var results = DataFrame.LoadCsv(Path.Combine(output, "results.csv"));
        Assert.Equal(3, results.Rows.Count);
        Assert.Equal(["identity", "base", "+L_attn"], results.Columns["variant"].Cast<object>().Select(v => v.ToString()));
        Assert.Equal(["identity", "base_seed0", "L_attn_seed0"], results.Columns["run"].Cast<object>().Select(v => v.ToString()));
        Assert.Null(results.Columns["seed"][0]);
        Assert.Equal(0f, Convert.ToSingle(results.Columns["seed"][2]));
        foreach (string column in new[] { "judge_success", "l1", "l1_in_mask", "l2", "clip_i", "clip_t", "clip_direction", "edits" })
            Assert.Contains(column, results.Columns.Select(c => c.Name));
        Assert.Equal(0f, Convert.ToSingle(results.Columns["judge_success"][0]));   // identity never makes the edit...
        Assert.Equal(1f, Convert.ToSingle(results.Columns["rest_kept"][0]));       // ...and always keeps the rest
        Assert.Equal(3f, Convert.ToSingle(results.Columns["edits"][1]));
        Assert.All(Enumerable.Range(0, 3), r => Assert.NotNull(results.Columns["clip_i"][r]));   // the tiny world's own clip/

        // summary.csv / summary.md: one row per variant plus identity (the statistics over seeds: AblationResultsTests).
        var summary = DataFrame.LoadCsv(Path.Combine(output, "summary.csv"));
        Assert.Equal(["identity", "base", "+L_attn"], summary.Columns["variant"].Cast<object>().Select(v => v.ToString()));
        Assert.Equal([1f, 1f, 1f], summary.Columns["runs"].Cast<object>().Select(Convert.ToSingle));
        Assert.Equal(Convert.ToDouble(results.Columns["l1"][2]), Convert.ToDouble(summary.Columns["l1"][2]), 5);
        string markdown = File.ReadAllText(Path.Combine(output, "summary.md"));
        Assert.Contains("| +L_attn | 1 |", markdown);
        Assert.Contains("| identity | 1 | 0 %", markdown);
        foreach (string figure in new[] { "judge_success", "l1_in_mask", "clip_direction" })
        {
            Assert.True(new FileInfo(Path.Combine(output, figure + ".png")).Length > 1000, figure);
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(output, figure + ".svg")));
        }
        var frame = report.Results!.SummaryFrame();
        Assert.Equal(3, frame.Rows.Count);
        Assert.Equal(summary.Columns.Select(c => c.Name), frame.Columns.Select(c => c.Name));

        // 3. Rerun: nothing trained or scored again; every run file untouched; the same table.
        var before = Snapshot(output);
        string table = File.ReadAllText(Path.Combine(output, "results.csv"));
        calls.Clear();
        var again = Observed().Run();
        Assert.Empty(calls);
        Assert.All(again.Runs.Values, a => Assert.Equal(AblationAction.Kept, a));
        Assert.Equal(0, again.Evaluated);
        Assert.Equal(before, Snapshot(output));
        Assert.Equal(table, File.ReadAllText(Path.Combine(output, "results.csv")));

        // 4. A run whose final model is lost but whose checkpoint is left resumes from it, and only it is scored again.
        Directory.Delete(Path.Combine(output, "runs", "L_attn_seed0", "model"), recursive: true);
        string otherScores = File.ReadAllText(AblationEvaluator.ScoresPath(Path.Combine(output, "runs", "base_seed0")));
        var repaired = Observed().Run();
        Assert.Equal([("L_attn_seed0", true)], calls);
        Assert.Equal(AblationAction.Resumed, repaired.Runs["L_attn_seed0"]);
        Assert.Equal(1, repaired.Evaluated);
        Assert.Equal(otherScores, File.ReadAllText(AblationEvaluator.ScoresPath(Path.Combine(output, "runs", "base_seed0"))));
        Assert.Equal(table, File.ReadAllText(Path.Combine(output, "results.csv")));   // the same weights, re-exported: the same scores

        // A notebook reads the finished ablation back without running anything.
        var read = AblationResults.Read(output);
        Assert.Equal(AblationResults.ToCsv(report.Results.SummaryFrame()), AblationResults.ToCsv(read.SummaryFrame()));
        Console.WriteLine($"tiny ablation (2 runs of 2 steps, 3 held-out edits, interrupted once): {seconds:F0} s to train and score; all four stages {clock.Elapsed.TotalSeconds:F0} s");
    }
}
