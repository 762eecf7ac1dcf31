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
