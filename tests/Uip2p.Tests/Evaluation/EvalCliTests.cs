using System.Text.Json.Nodes;
using Uip2p.Tests.Cli;

namespace Uip2p.Tests.Evaluation;

/// <summary><c>uip2p eval</c> as a user runs it: the fixture's numbers come out of the CLI, bad options are one line, runs resume.</summary>
public class EvalCliTests
{
    static string FirstFixture()
    {
        foreach (string d in MetricsParityTests.Fixtures) return d;
        throw new InvalidOperationException($"no metrics fixture under {TestPaths.Oracle}");
    }

    [Fact]
    public void Score_prints_and_writes_magicbrush_evaluated_metrics_dict()
    {
        var f = MetricsFixture.Of(FirstFixture());
        using var tmp = new TempDir();
        var (code, output) = CliTests.Run("eval", "score", "--generated", f.Generated, "--ground-truth", Path.GetDirectoryName(f.LocalCaptions)!,
            "--clip", f.ClipDir, "--dino", f.DinoDir, "--tokenizer", MetricsFixture.TokenizerDir, "--captions", "local", "--out", tmp.Path, "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Contains("evaluated_metrics_dict", output);
        var json = JsonNode.Parse(File.ReadAllText(tmp.File("metrics.json")))!;
        var expected = f.Expected.GetProperty("magicbrush").GetProperty("aggregate").GetProperty("local");
        foreach (var setting in expected.EnumerateObject())
            foreach (var metric in setting.Value.EnumerateObject())
            {
                double got = json["evaluated_metrics_dict"]![setting.Name]![metric.Name]!.GetValue<double>();
                // The README's tolerances: L1/L2 5e-8, similarities 2e-6.
                Assert.True(Math.Abs(got - metric.Value.GetDouble()) <= (metric.Name is "l1" or "l2" ? 5e-8 : 2e-6), $"{setting.Name}.{metric.Name}: {got} vs {metric.Value.GetDouble()}");
            }
        Assert.Equal(f.ClipDir, json["provenance"]!["clip"]!.GetValue<string>());
        string[] csv = File.ReadAllLines(tmp.File("pairs.csv"));
        int pairs = f.Expected.GetProperty("magicbrush").GetProperty("pairs").GetProperty("all_turn").GetArrayLength()
            + f.Expected.GetProperty("magicbrush").GetProperty("pairs").GetProperty("final_turn").GetArrayLength();
        Assert.Equal(pairs + 1, csv.Length);
        Assert.StartsWith("setting,session,turn,generated,ground_truth,edit_input,l1,l2,clip-i,dino,clip-t,clip-t_oracle", csv[0]);
    }

    [Fact]
    public void Score_without_models_reports_their_metrics_missing()
    {
        var f = MetricsFixture.Of(FirstFixture());
        using var tmp = new TempDir();
        var (code, output) = CliTests.Run("eval", "score", "--generated", f.Generated, "--ground-truth", f.GroundTruthImages, "--out", tmp.Path);
        Assert.True(code == 0, output);
        var dict = JsonNode.Parse(File.ReadAllText(tmp.File("metrics.json")))!["evaluated_metrics_dict"]!;
        Assert.Null(dict["all_turn"]!["dino"]);
        Assert.Null(dict["final_turn"]!["clip-i"]);
        Assert.True(Math.Abs(dict["all_turn"]!["l1"]!.GetValue<double>() - f.Expected.GetProperty("magicbrush").GetProperty("aggregate").GetProperty("local").GetProperty("all_turn").GetProperty("l1").GetDouble()) <= 5e-8);
        Assert.Contains("missing: dino: no DINO model given", output);
    }

    [Theory]
    [InlineData("--captions", "summary", "--captions summary: expected local, global or auto")]
    [InlineData("--clip", "/nonexistent/clip", "--clip /nonexistent/clip: no such folder")]
    [InlineData("--dino", "/nonexistent/dino", "--dino /nonexistent/dino: no such folder")]
    public void Score_options_are_checked_before_any_work(string option, string value, string message)
    {
        var f = MetricsFixture.Of(FirstFixture());
        using var tmp = new TempDir();
        var (code, output) = CliTests.Run("eval", "score", "--generated", f.Generated, "--ground-truth", f.GroundTruthImages, "--out", tmp.Path, option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, output);
        Assert.False(File.Exists(tmp.File("metrics.json")));
    }

    [Theory]
    [InlineData("--steps", "0", "--steps 0: must be 1 to 1000")]
    [InlineData("--sampler", "heun", "--sampler heun: expected euler_a, ddim or ddpm")]
    [InlineData("--strength", "1.5", "--strength 1.5: must be in (0, 1]")]
    [InlineData("--image-guidance", "-1", "--image-guidance -1: must be 0 to 100")]
    public void Run_options_are_checked_before_any_model_is_built(string option, string value, string message)
    {
        using var tmp = new TempDir();
        var (code, output) = CliTests.Run("eval", "run", "--model", Path.Combine(TestPaths.Repo, "data", "world"), "--data", tmp.Path, "--out", tmp.File("out"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, output);
    }

    [Fact]
    public void Run_edits_the_world_in_magicbrush_layout_resumes_and_scores()
    {
        using var tmp = new TempDir();
        string data = tmp.File("data"), outDir = tmp.File("out");
        var (code, output) = CliTests.Run("world", "--out", data, "--count", "1", "--seed", "4", "--sessions", "1");
        Assert.True(code == 0, output);
        string[] run = ["eval", "run", "--model", Path.Combine(TestPaths.Repo, "data", "world"), "--data", data, "--out", outDir,
            "--multi-turn", "--steps", "1", "--sampler", "ddim", "--threads", "1"];
        (code, output) = CliTests.Run(run);
        Assert.True(code == 0, output);
        var sessions = Directory.GetDirectories(Path.Combine(outDir, "generated"));
        Assert.NotEmpty(sessions);
        var multi = sessions.Single(s => Directory.GetFiles(s, "*_iter_*").Length > 0);
        string id = Path.GetFileName(multi);
        Assert.True(File.Exists(Path.Combine(multi, $"{id}_1.png")));
        Assert.True(File.Exists(Path.Combine(multi, $"{id}_inde_2.png")));
        var dict = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")))!;
        // The world's own CLIP scores CLIP-I / CLIP-T; DINO was not given.
        Assert.NotNull(dict["evaluated_metrics_dict"]!["final_turn"]!["clip-i"]);
        Assert.Null(dict["evaluated_metrics_dict"]!["all_turn"]!["dino"]);
        Assert.Equal("1", dict["provenance"]!["steps"]!.GetValue<string>());
        // A second run finds every image written and edits nothing.
        var before = Directory.GetFiles(Path.Combine(outDir, "generated"), "*.png", SearchOption.AllDirectories).ToDictionary(p => p, File.GetLastWriteTimeUtc);
        (code, output) = CliTests.Run(run);
        Assert.True(code == 0, output);
        Assert.Contains("edited 0, kept", output);
        foreach (var (p, t) in before) Assert.Equal(t, File.GetLastWriteTimeUtc(p));
    }

    [Fact]
    public void Sweep_and_step_study_write_tables_and_figures_per_editor()
    {
        using var tmp = new TempDir();
        string data = tmp.File("data"), world = Path.Combine(TestPaths.Repo, "data", "world");
        var (code, output) = CliTests.Run("world", "--out", data, "--count", "1", "--seed", "6");
        Assert.True(code == 0, output);
        (code, output) = CliTests.Run("eval", "sweep", "--model", world, world, "--data", data, "--out", tmp.File("sweep"),
            "--image-guidance", "1.0", "2.2", "--steps", "1", "--sampler", "ddim", "--threads", "1");
        Assert.True(code == 0, output);
        string[] rows = File.ReadAllLines(tmp.File("sweep/sweep.csv"));
        Assert.StartsWith("editor,image_guidance,setting,l1,l2,clip-i,dino,clip-t,clip-t_oracle,sim_0,sim_1,sim_direction,sim_image,model,data,steps", rows[0]);
        var single = rows.Where(r => r.Contains(",all_turn,")).Select(r => r.Split(',')).ToList();
        Assert.Equal(2 * 2, single.Count); // 2 editors × 2 guidance values
        Assert.All(single, r => Assert.True(double.IsFinite(double.Parse(r[11], System.Globalization.CultureInfo.InvariantCulture)), "sim_direction"));
        Assert.Equal(["world-1", "world-2"], single.Select(r => r[0]).Distinct());
        foreach (string ext in new[] { "png", "svg" }) Assert.True(new FileInfo(tmp.File($"sweep/sweep.{ext}")).Length > 1000, ext);
        Assert.True(File.Exists(tmp.File("sweep/world-1/ig_2.2/metrics.json")));

        (code, output) = CliTests.Run("eval", "run", "--model", world, "--data", data, "--out", tmp.File("steps"), "--steps", "1", "2", "--sampler", "ddim", "--threads", "1");
        Assert.True(code == 0, output);
        string[] steps = File.ReadAllLines(tmp.File("steps/steps.csv"));
        Assert.Contains(steps, r => r.StartsWith("world,1,all_turn,", StringComparison.Ordinal));
        Assert.Contains(steps, r => r.StartsWith("world,2,all_turn,", StringComparison.Ordinal));
        Assert.True(File.Exists(tmp.File("steps/steps.png")) && File.Exists(tmp.File("steps/steps.svg")));
        Assert.True(File.Exists(tmp.File("steps/steps_2/generated/" + Path.GetFileName(Directory.GetDirectories(tmp.File("steps/steps_2/generated"))[0]) + "/" + Path.GetFileName(Directory.GetDirectories(tmp.File("steps/steps_2/generated"))[0]) + "_1.png")));
    }

    [Fact]
    public void World_scores_editors_beside_identity_and_the_vae_reference_and_copy_mode_scores_reproduction()
    {
        using var tmp = new TempDir();
        string world = Path.Combine(TestPaths.Repo, "data", "world");
        var (code, output) = CliTests.Run("eval", "world", "--components", world, "--model", "start=start", "--count", "4", "--steps", "2",
            "--grid", "2", "--out", tmp.File("edits"), "--threads", "1");
        Assert.True(code == 0, output);
        string[] rows = File.ReadAllLines(tmp.File("edits/scores.csv"));
        Assert.StartsWith("model,count,l1,l1_se,", rows[0]);
        Assert.Equal(["identity", "ground truth via VAE", "start"], rows.Skip(1).Select(r => r.Split(',')[0]));
        var identity = rows[1].Split(',');
        string Cell(string[] row, string column) => row[Array.IndexOf(rows[0].Split(','), column)];
        Assert.Equal("4", Cell(identity, "count"));
        // The input returned unchanged never does the edit: 0 % success by construction.
        Assert.Equal(0, double.Parse(Cell(identity, "judge_success"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1 + 3 * 4, File.ReadAllLines(tmp.File("edits/scores_per_edit.csv")).Length);
        string summary = File.ReadAllText(tmp.File("edits/summary.md"));
        Assert.Contains("| identity | 0 %", summary);
        Assert.Contains("Judge success per edit kind", summary);
        foreach (string ext in new[] { "png", "svg", "pdf" }) Assert.True(new FileInfo(tmp.File($"edits/edits.{ext}")).Length > 1000, ext);

        (code, output) = CliTests.Run("eval", "world", "--components", world, "--model", "start=start", "--count", "4", "--steps", "2",
            "--grid", "0", "--copy", "--out", tmp.File("copy"), "--threads", "1");
        Assert.True(code == 0, output);
        string[] copy = File.ReadAllLines(tmp.File("copy/scores.csv"));
        Assert.Equal(["input via VAE", "start"], copy.Skip(1).Select(r => r.Split(',')[0]));
        Assert.Contains("empty instruction", File.ReadAllText(tmp.File("copy/summary.md")));
        Assert.False(File.Exists(tmp.File("copy/edits.png")));

        (code, output) = CliTests.Run("eval", "world", "--model", "start", "--out", tmp.File("bad"));
        Assert.NotEqual(0, code);
        Assert.Contains("--model start: expected NAME=FOLDER", output);
    }
}
