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
