using System.Diagnostics;

namespace Uip2p.Tests.Cli;

/// <summary>The uip2p command as a user runs it (the Release build of src/Uip2p.Cli).</summary>
public class CliTests
{
    internal static (int Code, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(TestPaths.CliDll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    [Fact]
    public void Info_prints_versions_and_cpu()
    {
        var (code, output) = Run("info");
        Assert.True(code == 0, output);
        Assert.Contains("0.107.0", output);
        Assert.Contains("2.10.0", output);
        Assert.Matches(@"device\s+cpu", output);
        Assert.Contains("libtorch", output.ToLowerInvariant());
        Assert.Contains("runtimes/linux-x64/native", output);
    }

    [Fact]
    public void Info_honours_device_and_threads()
    {
        var (code, output) = Run("info", "--device", "cpu", "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Matches(@"threads\s+1\s", output);
    }

    [Fact]
    public void Unavailable_device_is_a_clear_error()
    {
        var (code, output) = Run("info", "--device", "cuda:0");
        Assert.Equal(2, code);
        Assert.Contains("CUDA is not available", output);
    }

    [Fact]
    public void The_world_is_the_same_in_every_process()
    {
        // Two processes: .NET randomises HashCode per process, so this catches any seed built on it.
        using var a = new TempDir();
        using var b = new TempDir();
        foreach (var dir in new[] { a, b })
        {
            var (code, output) = Run("world", "--out", dir.Path, "--count", "4", "--seed", "5");
            Assert.True(code == 0, output);
        }
        Assert.Equal(File.ReadAllText(a.File("records.jsonl")), File.ReadAllText(b.File("records.jsonl")));
        foreach (string f in Directory.GetFiles(Path.Combine(a.Path, "images")))
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(b.Path, "images", Path.GetFileName(f))));
    }

    [Fact]
    public void Help_lists_the_verbs()
    {
        var (code, output) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("info", output);
        Assert.Contains("notebooks", output);
    }
}

public class CliModelVerbTests
{
    [Fact]
    public void Tokenize_prints_ids_tokens_and_truncation()
    {
        string tok = Path.Combine(TestPaths.Oracle, "clip-tokenizer");
        var (code, output) = CliTests.Run("tokenize", "--tokenizer", tok, "make the dog's fur blue", string.Join(" ", Enumerable.Repeat("cat", 90)));
        Assert.True(code == 0, output);
        Assert.Contains("[49406, 1078, 518, 1929, 568, 9686, 1746, 49407", output);
        Assert.Contains("dog | 's | fur", output);
        Assert.Contains("(TRUNCATED)", output);
    }

    [Fact]
    public void Tokenize_with_a_missing_folder_is_one_clear_line()
    {
        var (code, output) = CliTests.Run("tokenize", "--tokenizer", "/nowhere/tok", "x");
        Assert.Equal(2, code);
        Assert.Contains("/nowhere/tok", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void Clip_score_prints_a_cosine_per_image_and_caption()
    {
        using var dir = new TempDir();
        string model = Parity.ClipFolders.WriteTinyClipModel(Path.Combine(dir.Path, "clip"));
        Imaging.ImageIOTestsAccess.SaveNoise(dir.File("a.png"));
        var (code, output) = CliTests.Run("clip-score", "--model", model, "--image", dir.File("a.png"), "--text", "a photo of a cat", "a dog");
        Assert.True(code == 0, output);
        var row = output.Split('\n').Single(l => l.StartsWith("a.png"));
        var values = row.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, values.Count);
        Assert.All(values, v => Assert.InRange(v, -1, 1));
    }
}

public class CliEditAndBenchTests
{
    [Fact]
    public void Edit_writes_an_image_with_the_floored_size()
    {
        using var dir = new TempDir();
        Uip2p.Pipelines.TinyPipeline.Create(dir.File("model"));
        Imaging.ImageIOTestsAccess.SaveNoise(dir.File("in.png"), 37, 50);
        var (code, output) = CliTests.Run("edit", "--model", dir.File("model"), "--image", dir.File("in.png"), "--instruction", "make it blue",
            "--out", dir.File("out.png"), "--steps", "3", "--seed", "7");
        Assert.True(code == 0, output);
        var edited = Uip2p.Imaging.ImageIO.Load(dir.File("out.png"));
        Assert.Equal(new long[] { 1, 3, 36, 48 }, edited.shape);
        var (code2, _) = CliTests.Run("edit", "--model", dir.File("model"), "--image", dir.File("in.png"), "--instruction", "make it blue",
            "--out", dir.File("out2.png"), "--steps", "3", "--seed", "7");
        Assert.Equal(0, code2);
        Assert.Equal(File.ReadAllBytes(dir.File("out.png")), File.ReadAllBytes(dir.File("out2.png")));
    }

    [Fact]
    public void Edit_with_a_bad_model_folder_is_one_clear_line()
    {
        using var dir = new TempDir();
        Imaging.ImageIOTestsAccess.SaveNoise(dir.File("in.png"));
        var (code, output) = CliTests.Run("edit", "--model", dir.Path, "--image", dir.File("in.png"), "--instruction", "x", "--out", dir.File("o.png"));
        Assert.Equal(2, code);
        Assert.Contains("model_index.json", output);
        Assert.False(File.Exists(dir.File("o.png")));
    }

    [Fact]
    public void Bench_runs_the_tiny_configuration_and_writes_json()
    {
        using var dir = new TempDir();
        var (code, output) = CliTests.Run("bench", "--unet", "tiny", "--repeats", "1", "--pipeline-steps", "2", "--out", dir.File("bench.json"));
        Assert.True(code == 0, output);
        Assert.Contains("of sgemm", output);
        var json = File.ReadAllText(dir.File("bench.json"));
        Assert.Contains("UNet forward+backward", json);
        Assert.Contains("tiny pipeline edit, 2 steps", json);
    }
}
