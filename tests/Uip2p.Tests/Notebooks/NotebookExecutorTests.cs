using System.Text.Json;
using Uip2p.Notebooks;

namespace Uip2p.Tests.Notebooks;

/// <summary>
/// Notebooks run in the real dotnet-interactive kernel through Debian's nbclient, as users and CI run them.
/// These tests need the CLI's Release build (the notebooks reference its Uip2p.dll) and scripts/setup.sh's packages.
/// </summary>
[Collection("notebooks")]
public class NotebookExecutorTests
{
    static NotebookExecutor Executor(string output) => new(output) { CellTimeout = TimeSpan.FromMinutes(10) };

    [Fact]
    public void A_throwing_cell_fails_the_notebook_naming_its_cell_and_error()
    {
        using var dir = new TempDir();
        var result = Executor(dir.Path).Run(TestPaths.TestData("failing-exception.ipynb"));
        Assert.False(result.Succeeded);
        Assert.Equal(3, result.FailedCell);
        Assert.Contains("deliberate failure after 42", result.Error);
        Assert.Contains("failing-exception.ipynb", result.ToString());
        Assert.Contains("cell 3", result.ToString());
        Assert.True(File.Exists(result.ExecutedCopy));
        Assert.Contains("42", File.ReadAllText(result.ExecutedCopy)); // outputs before the failure are kept
    }

    [Fact]
    public void A_compile_error_fails_the_notebook_with_the_diagnostic()
    {
        using var dir = new TempDir();
        var result = Executor(dir.Path).Run(TestPaths.TestData("failing-compile.ipynb"));
        Assert.False(result.Succeeded);
        Assert.Equal(2, result.FailedCell);
        Assert.Contains("CS0029", result.Error);
    }

    [Fact]
    public void A_dead_kernel_is_run_again_once_and_reported_with_its_last_words()
    {
        using var dir = new TempDir();
        var progress = new List<string>();
        var result = new NotebookExecutor(dir.Path) { CellTimeout = TimeSpan.FromMinutes(10), Progress = progress.Add }
            .Run(TestPaths.TestData("failing-kernel-death.ipynb"));
        // It dies both times: still a failure, at the crashing cell, with the first death kept beside it.
        Assert.False(result.Succeeded);
        Assert.True(result.KernelDied, result.ToString());
        Assert.Equal(3, result.FailedCell);
        Assert.Contains("deliberate crash of the kernel", result.Error);   // the kernel's stderr
        Assert.StartsWith("cell 3: DeadKernelError", result.EarlierKernelDeath);
        Assert.Contains(progress, p => p.Contains("running it again from the start"));
        Assert.Contains("rerun after the kernel died", result.ToString());
    }

    [Fact]
    public void Missing_notebook_is_named()
    {
        var e = Assert.Throws<FileNotFoundException>(() => new NotebookExecutor().RunAll(["/nowhere/x.ipynb"]));
        Assert.Contains("/nowhere/x.ipynb", e.Message);
    }
}
