using System.Diagnostics;
using Uip2p.Experiments;
using Uip2p.Tests.Training;
using Uip2p.Training;

namespace Uip2p.Tests.Cli;

/// <summary><c>uip2p ablate</c> as a user runs it: bad options answered in one line before any run exists; Ctrl-C leaves a state a rerun continues.</summary>
public class AblateCliTests
{
    static string TinyConfig(TempDir dir, int steps = 2)
    {
        string config = dir.File("tiny.json");
        File.WriteAllText(config, (TinyWorld.Config(steps: steps) with { TensorBoard = false }).ToJson());
        return config;
    }

    [Fact]
    public void The_readme_rows_for_ablate_answer_as_written_and_create_no_runs()
    {
        using var dir = new TempDir();
        var places = new Dictionary<string, string> { ["{config}"] = TinyConfig(dir), ["{out}"] = dir.File("out") };
        Directory.CreateDirectory(places["{out}"]);
        var rows = CliBadInputTests.ReadmeRows().Where(r => r.TestName is null && r.Command.StartsWith("uip2p ablate ", StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count >= 3, $"only {rows.Count} ablate rows in the README table");
        string Fill(string s) => places.Aggregate(s, (acc, kv) => acc.Replace(kv.Key, kv.Value));
        foreach (var row in rows)
        {
            var words = System.Text.RegularExpressions.Regex.Matches(Fill(row.Command), "\"([^\"]*)\"|(\\S+)")
                .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Skip(1);
            var (code, output) = CliBadInputTests.RunIn(TestPaths.Repo, words);
            Assert.True(code == row.Exit && output.Contains(Fill(row.Answer), StringComparison.Ordinal), $"{row.Command}\n  expected ({row.Exit}): {Fill(row.Answer)}\n  got ({code}): {output}");
            Assert.Single(output.Trim().Split('\n'));
        }
        Assert.Empty(Directory.GetFileSystemEntries(places["{out}"]));
        Assert.Contains("--variant", CliTests.Run("ablate", "--help").Output);
    }

    [Fact]
    public void A_conflicting_plan_in_the_same_folder_is_refused_before_anything_is_trained()
    {
        using var dir = new TempDir();
        string config = TinyConfig(dir), output = dir.File("ablation");
        new Ablation(new AblationPlan { Config = config, Vary = ["cec.weights.attention=0,1"] }, output).Prepare();
        string plan = File.ReadAllText(Path.Combine(output, Ablation.PlanFile));
        var (code, text) = CliTests.Run("ablate", "--config", config, "--out", output, "--vary", "cec.weights.attention=0,1", "--set", "steps=3");
        Assert.Equal(2, code);
        Assert.Equal($"error: {output} holds an ablation whose run 'attention_0_seed0' was planned with other settings: 'steps' 2 → 3; "
            + "rerun with the same settings (new variants or seeds may be added), or choose another --out.", text.Trim());
        Assert.False(Directory.Exists(Path.Combine(output, "runs")));
        Assert.Equal(plan, File.ReadAllText(Path.Combine(output, Ablation.PlanFile)));
    }

    [Fact]
    public void Interrupting_ablate_keeps_a_resumable_state_and_a_rerun_resumes()
    {
        using var dir = new TempDir();
        string config = TinyConfig(dir, steps: 8), output = dir.File("ablation");
        string[] args = ["ablate", "--config", config, "--out", output, "--variant", "only: cec.weights.similarity=0", "--held-out", "2", "--edit-steps", "2", "--threads", "1"];
        // As in TrainInterruptionTests: a suite started from a background job inherits SIGINT ignored; give the child the default back.
        var psi = new ProcessStartInfo("env") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["--default-signal=INT", "dotnet", TestPaths.CliDll, .. args]) psi.ArgumentList.Add(arg);
        var log = new System.Text.StringBuilder();
        using (var child = Process.Start(psi)!)
        {
            child.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            child.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            string metrics = Path.Combine(output, "runs", "only_seed0", "metrics.jsonl");
            var clock = Stopwatch.StartNew();
            while (!(File.Exists(metrics) && TrainingLog.Read(metrics).Count >= 1))
            {
                Assert.False(child.HasExited, "the ablation ended before it could be interrupted: " + log);
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the ablation logged no steps");
                Thread.Sleep(20);
            }
            Process.Start("kill", ["-INT", child.Id.ToString()])!.WaitForExit();
            Assert.True(child.WaitForExit(120_000), "the interrupted ablation did not exit");
            child.WaitForExit();
            Assert.True(child.ExitCode == 130, $"exit {child.ExitCode}: {log}");
        }
        Assert.Contains("interrupted during only, seed 0, step ", log.ToString());
        Assert.Contains("rerun the same command to continue", log.ToString());
        Assert.False(File.Exists(Path.Combine(output, "results.csv")));

        var (resumed, text) = CliTests.Run(args);
        Assert.True(resumed == 0, text);
        Assert.Contains("only, seed 0: resuming from its latest checkpoint", text);
        Assert.Contains("kept 0, trained 0, resumed 1", text);
        Assert.Equal(Enumerable.Range(1, 8), TrainingLog.Read(Path.Combine(output, "runs", "only_seed0", "metrics.jsonl")).Where(l => l.Phase == "train").Select(l => l.Step));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "results.csv")).Length);   // header, identity, the run

        var (kept, again) = CliTests.Run(args);
        Assert.True(kept == 0, again);
        Assert.Contains("kept 1, trained 0, resumed 0; scored 0", again);
    }
}
