using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Uip2p.World.Pretraining;
using Uip2p.Tests.Training;
using Uip2p.Training;

namespace Uip2p.Tests.Cli;

/// <summary>
/// The README's table of bad inputs, run row by row as a user types them (from the repository root), so the
/// table stays true: every command prints the answer it states, with its exit code, and no stack trace or .NET type name.
/// </summary>
public partial class CliBadInputTests
{
    internal static (int Code, string Output) RunIn(string workingDirectory, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        psi.ArgumentList.Add(TestPaths.CliDll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    internal sealed record Row(string Command, string Answer, int Exit, string? TestName);

    /// <summary>The rows between the bad-inputs markers of README.md.</summary>
    internal static List<Row> ReadmeRows()
    {
        string readme = File.ReadAllText(Path.Combine(TestPaths.Repo, "README.md"));
        int begin = readme.IndexOf("<!-- bad-inputs:begin -->", StringComparison.Ordinal), end = readme.IndexOf("<!-- bad-inputs:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "README.md has no bad-inputs table");
        var rows = new List<Row>();
        foreach (string line in readme[begin..end].Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(2))
        {
            var cells = line.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray();
            Assert.True(cells.Length == 3, $"README bad-inputs row has {cells.Length} cells: {line}");
            var command = Code().Match(cells[0]);
            var answer = Code().Match(cells[1]);
            var test = Regex.Match(cells[1], @"\(test: `(\w+)`\)");
            rows.Add(test.Success
                ? new Row(cells[0], cells[1], int.Parse(cells[2]), test.Groups[1].Value)
                : new Row(command.Groups[1].Value, answer.Groups[1].Value, int.Parse(cells[2]), null));
        }
        return rows;
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    /// <summary>Splits a command line as a shell would for these rows (double quotes group words).</summary>
    static List<string> Words(string line) =>
        Regex.Matches(line, "\"([^\"]*)\"|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToList();

    [Fact]
    public void Every_row_of_the_readme_table_answers_as_written()
    {
        var rows = ReadmeRows();
        Assert.True(rows.Count >= 30, $"only {rows.Count} rows");
        using var dir = new TempDir();
        var places = new Dictionary<string, string>
        {
            ["{out}"] = dir.File("out"),
            ["{empty}"] = dir.File("empty"),
            ["{corrupt}"] = dir.File("corrupt.png"),
            ["{config}"] = dir.File("tiny.json"),
            ["{run}"] = dir.File("run"),
            ["{editor}"] = dir.File("editor"),
        };
        Directory.CreateDirectory(places["{out}"]);
        Directory.CreateDirectory(places["{empty}"]);
        File.WriteAllText(Path.Combine(places["{out}"], "bad.ipynb"), "{ \"cells\": [");
        var png = File.ReadAllBytes(Path.Combine(TestPaths.Repo, "data", "photos", "images", "chelsea.png"));
        File.WriteAllBytes(places["{corrupt}"], png[..(png.Length / 2)]);
        File.WriteAllText(places["{config}"], (TinyWorld.Config(steps: 2) with { TensorBoard = false }).ToJson());
        new Trainer(TinyWorld.Config(steps: 2) with { TensorBoard = false }, places["{run}"]).Run();
        WorldEditorFolder(places["{editor}"]);

        var failures = new List<string>();
        foreach (var row in rows)
        {
            if (row.TestName is { } name)
            {
                bool exists = typeof(CliBadInputTests).Assembly.GetTypes().SelectMany(t => t.GetMethods())
                    .Any(m => m.Name == name && m.GetCustomAttributes<FactAttribute>().Any());
                if (!exists) failures.Add($"row '{row.Command}' names test {name}, which does not exist");
                continue;
            }
            string Fill(string s) => places.Aggregate(s, (acc, kv) => acc.Replace(kv.Key, kv.Value));
            var args = Words(Fill(row.Command)).Skip(1);   // "uip2p"
            var (code, output) = RunIn(TestPaths.Repo, args);
            string expected = Fill(row.Answer);
            if (code != row.Exit || !output.Contains(expected, StringComparison.Ordinal))
                failures.Add($"{row.Command}\n  expected ({row.Exit}): {expected}\n  got ({code}): {output.Trim()}");
            else if (Regex.IsMatch(output, @"   at |System\.[A-Z]\w+(Exception|Int32|Double|String)|Uip2p\.\w+\.\w+"))
                failures.Add($"{row.Command}\n  leaks .NET wording: {output.Trim()}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The world components as an InstructPix2Pix folder whose UNet is the untrained editor/ (an 8-channel UNet).</summary>
    internal static void WorldEditorFolder(string target)
    {
        string world = Path.Combine(TestPaths.Repo, "data", "world");
        foreach (string sub in new[] { "vae", "text_encoder", "tokenizer", "scheduler" })
            CopyFolder(Path.Combine(world, sub), Path.Combine(target, sub));
        CopyFolder(Path.Combine(world, "editor"), Path.Combine(target, "unet"));
        File.Copy(Path.Combine(world, "model_index.json"), Path.Combine(target, "model_index.json"));
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}

/// <summary>Interruptions and failed starts of <c>uip2p train</c>: nothing logged is lost, nothing stray is left.</summary>
public class TrainInterruptionTests
{
    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public void Interrupting_training_checkpoints_the_step_and_resumes(string signal)
    {
        using var dir = new TempDir();
        string config = dir.File("tiny.json"), run = dir.File("run");
        // Checkpoints only at the end: the interruption must write the one it stops at.
        File.WriteAllText(config, (TinyWorld.Config(steps: 40) with { TensorBoard = false, CheckpointEvery = 1000, ValidateEvery = 1000 }).ToJson());
        // A process started from a background job of a script inherits SIGINT ignored (POSIX), and .NET keeps it
        // ignored; the child gets the default disposition back so the test does not depend on how it was started.
        var psi = new ProcessStartInfo("env") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "--default-signal=INT", "dotnet", TestPaths.CliDll, "train", "--config", config, "--out", run, "--threads", "1" }) psi.ArgumentList.Add(arg);
        var output = new System.Text.StringBuilder();
        int code;
        using (var child = Process.Start(psi)!)
        {
            child.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            child.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            string metrics = Path.Combine(run, "metrics.jsonl");
            var clock = Stopwatch.StartNew();
            while (!(File.Exists(metrics) && TrainingLog.Read(metrics).Count >= 2))
            {
                Assert.False(child.HasExited, "the run ended before it could be interrupted: " + output);
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the run logged no steps");
                Thread.Sleep(20);
            }
            Process.Start("kill", ["-" + signal, child.Id.ToString()])!.WaitForExit();
            Assert.True(child.WaitForExit(120_000), "the interrupted run did not exit");
            child.WaitForExit();
            code = child.ExitCode;
        }
        Assert.True(code == 130, $"exit {code}: {output}");
        int logged = TrainingLog.Read(Path.Combine(run, "metrics.jsonl")).Max(l => l.Step);
        Assert.True(logged < 40, "the run finished before the interrupt reached it");
        Assert.Contains($"interrupted after step {logged} of 40: checkpoint written; continue with uip2p train", output.ToString());
        Assert.Equal($"step-{logged:D6}", File.ReadAllText(Path.Combine(run, "checkpoints", "latest")).Trim());

        var (resumed, text) = CliTests.Run("train", "--config", config, "--out", run, "--resume", "--threads", "1", "--set", "steps=40");
        Assert.True(resumed == 0, text);
        Assert.Contains($"resumed from step-{logged:D6}", text);
        var steps = TrainingLog.Read(Path.Combine(run, "metrics.jsonl")).Where(l => l.Phase == "train").Select(l => l.Step).ToList();
        Assert.Equal(Enumerable.Range(1, 40), steps);
    }

    [Fact]
    public void A_failed_start_leaves_no_run_folder()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        var missing = TinyWorld.Config() with { Data = dir.File("no-data") };
        Assert.ThrowsAny<IOException>(() => new Trainer(missing, run).Run());
        Assert.False(Directory.Exists(run), "a failed start left a run folder");

        string data = dir.File("bad-data");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "records.jsonl"), "{ not json\n");
        Assert.ThrowsAny<Exception>(() => new Trainer(TinyWorld.Config() with { Data = data }, run).Run());
        Assert.False(Directory.Exists(run), "a failed start left a run folder");
    }

    [Fact]
    public void Resume_refuses_changed_settings_and_keeps_the_original_config()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        var config = TinyWorld.Config(steps: 2) with { TensorBoard = false };
        new Trainer(config, run).Run();
        string original = File.ReadAllText(Path.Combine(run, "config.json"));
        var e = Assert.Throws<InvalidOperationException>(() => new Trainer(config with { BatchSize = 4, LearningRate = 5e-4 }, run).Run(resume: true));
        Assert.Contains("'batch_size', 'learning_rate'", e.Message);
        // Logging and sampling settings may change; the original config stays as it was.
        new Trainer(config with { LogEvery = 5, SampleCount = 1 }, run).Run(resume: true);
        Assert.Equal(original, File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.Contains("no checkpoint to resume from", Assert.Throws<InvalidOperationException>(() => new Trainer(config, dir.File("elsewhere")).Run(resume: true)).Message);
    }
}

/// <summary>The examples in the verbs' help texts work as written.</summary>
public class HelpExampleTests
{
    static string Help(params string[] verb)
    {
        var (code, output) = CliTests.Run([.. verb, "--help"]);
        Assert.True(code == 0, output);
        Assert.Contains($"uip2p {string.Join(' ', verb)}", output);   // usage lines name the command, not the assembly
        return output;
    }

    static List<string> SetExamples(string help) =>
        Regex.Matches(help, @"--set (\w[\w.]*=[^\s,)]+)").Select(m => m.Groups[1].Value).ToList();

    [Fact]
    public void Train_set_examples_load()
    {
        var examples = SetExamples(Help("train"));
        Assert.NotEmpty(examples);
        using var dir = new TempDir();
        File.WriteAllText(dir.File("c.json"), TinyWorld.Config().ToJson());
        var config = TrainConfig.Load(dir.File("c.json"), examples);
        Assert.Equal(100, config.Steps);
        Assert.Equal(0, config.Cec.Weights.Attention);
    }

    [Fact]
    public void Pretrain_set_examples_apply()
    {
        var examples = SetExamples(Help("pretrain"));
        Assert.NotEmpty(examples);
        var config = new PretrainConfig().With(examples);
        Assert.Equal(2200, config.VaeSteps);
        Assert.Null(config.VaeMaxObjects);
    }

    [Fact]
    public void Notebook_param_example_names_a_variable_a_notebook_reads()
    {
        var m = Regex.Match(Help("notebooks", "run"), @"e\.g\. (\w+)=(\S+)");
        Assert.True(m.Success, "no --param example");
        string variable = m.Groups[1].Value;
        bool read = Directory.GetFiles(Path.Combine(TestPaths.Repo, "notebooks"), "*.ipynb")
            .Any(nb => File.ReadAllText(nb).Contains($"GetEnvironmentVariable(\\\"{variable}\\\")", StringComparison.Ordinal));
        Assert.True(read, $"no notebook reads {variable}");
    }

    [Fact]
    public void Tokenize_pad_id_example_runs()
    {
        Assert.Contains("0 for openai", Help("tokenize"));
        var (code, output) = CliTests.Run("tokenize", "--tokenizer", Path.Combine(TestPaths.Oracle, "clip-tokenizer"), "--pad-id", "0", "--all", "a cat");
        Assert.True(code == 0, output);
        Assert.Contains("pad id 0", output);
    }

    [Fact]
    public void Every_verb_has_help_with_a_usage_line_naming_uip2p()
    {
        foreach (var verb in new[] { "info", "tokenize", "clip-score", "edit", "bench", "world", "pretrain", "train", "demo" })
            Help(verb);
        Help("notebooks", "run");
    }
}
