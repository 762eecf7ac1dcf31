using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Uip2p.Notebooks;

/// <summary>
/// The outcome of running one notebook. <paramref name="EarlierKernelDeath"/> is set when a first run's kernel died and the
/// notebook was run again from the start (<see cref="NotebookExecutor.RerunsAfterKernelDeath"/>): what that run reported.
/// </summary>
public sealed record NotebookResult(string Notebook, string ExecutedCopy, bool Succeeded, int? FailedCell, string? Error, double Seconds, string? EarlierKernelDeath = null)
{
    /// <summary>One line for a console: name, outcome, cell and error (and a kernel death that a rerun got past).</summary>
    public override string ToString() => (Succeeded
        ? $"{Path.GetFileName(Notebook)}: ok ({Seconds:F1} s)"
        : $"{Path.GetFileName(Notebook)}: FAILED at cell {FailedCell?.ToString() ?? "?"}: {Error}")
        + (EarlierKernelDeath is null ? "" : $" [rerun after the kernel died: {EarlierKernelDeath}]");

    /// <summary>The kernel process died (a native crash or a kill), as opposed to a cell that failed.</summary>
    public bool KernelDied => !Succeeded && Error?.StartsWith("DeadKernelError", StringComparison.Ordinal) == true;
}

/// <summary>
/// Runs notebooks headlessly in the official .NET Interactive kernel (the <c>dotnet-interactive</c> tool
/// pinned in .config/dotnet-tools.json, started with <c>--http-local-only</c>) through Debian's nbclient,
/// and keeps each executed copy with its outputs under <see cref="OutputDirectory"/>.
/// </summary>
public sealed class NotebookExecutor
{
    public const string KernelName = "uip2p-csharp";
    public const string InteractiveVersion = "1.0.712001";

    /// <summary>Where executed copies go (default: <c>artifacts/notebooks</c> of the repository).</summary>
    public string OutputDirectory { get; init; }

    /// <summary>Longest a single cell may run.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Environment variables for the kernel (e.g. a parameter that keeps a notebook short in CI).</summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>();

    /// <summary>
    /// How often a notebook whose kernel died is run again from the start (default 1). A dead kernel is a crash of
    /// the process, not a failing cell (those are never rerun); a death that repeats still fails the notebook, and
    /// the first one stays in <see cref="NotebookResult.EarlierKernelDeath"/> with the kernel's last words.
    /// </summary>
    public int RerunsAfterKernelDeath { get; init; } = 1;

    /// <summary>Receives progress lines ("cell 3/12").</summary>
    public Action<string>? Progress { get; init; }

    public string Python { get; init; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    readonly string _workDir;
    readonly Lazy<string> _driver;

    public NotebookExecutor(string? outputDirectory = null)
    {
        string root = RepositoryRoot.Find();
        OutputDirectory = Path.GetFullPath(outputDirectory ?? Path.Combine(root, "artifacts", "notebooks"));
        _workDir = Path.Combine(root, "artifacts", "jupyter");
        _driver = new Lazy<string>(PrepareKernel); // once per executor, not per notebook
    }

    /// <summary>Expands folders to their <c>*.ipynb</c> files (sorted) and runs each in turn.</summary>
    public IReadOnlyList<NotebookResult> RunAll(IEnumerable<string> paths)
    {
        var notebooks = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path)) notebooks.AddRange(Directory.GetFiles(path, "*.ipynb").Order(StringComparer.Ordinal));
            else if (File.Exists(path)) notebooks.Add(path);
            else throw new FileNotFoundException($"{path}: no such notebook or folder.", path);
        }
        if (notebooks.Count == 0) throw new ArgumentException("No notebooks found in: " + string.Join(", ", paths));
        return notebooks.Select(Run).ToList();
    }

    /// <summary>Runs one notebook; never throws for a failing cell (see <see cref="NotebookResult"/>).</summary>
    public NotebookResult Run(string notebook)
    {
        var result = RunOnce(notebook);
        for (int rerun = 0; rerun < RerunsAfterKernelDeath && result.KernelDied; rerun++)
        {
            Progress?.Invoke($"{Path.GetFileName(notebook)}: the kernel died ({result.Error}); running it again from the start");
            result = RunOnce(notebook) with { EarlierKernelDeath = $"cell {result.FailedCell?.ToString() ?? "?"}: {result.Error}" };
        }
        return result;
    }

    NotebookResult RunOnce(string notebook)
    {
        notebook = Path.GetFullPath(notebook);
        if (!File.Exists(notebook)) throw new FileNotFoundException($"{notebook}: no such notebook.", notebook);
        Directory.CreateDirectory(OutputDirectory);
        string driver = _driver.Value;
        string executed = Path.Combine(OutputDirectory, Path.GetFileName(notebook));

        var psi = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(notebook)!,
        };
        foreach (string arg in new[] { driver, notebook, executed, KernelName, ((int)CellTimeout.TotalSeconds).ToString() })
            psi.ArgumentList.Add(arg);
        psi.Environment["JUPYTER_PATH"] = _workDir;
        psi.Environment["JUPYTER_RUNTIME_DIR"] = Path.Combine(_workDir, "runtime");
        psi.Environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1";
        foreach (var (key, value) in Environment) psi.Environment[key] = value;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {Python}.");
        var stderr = new List<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (stderr) stderr.Add(e.Data);
            if (e.Data.StartsWith("cell ", StringComparison.Ordinal)) Progress?.Invoke($"{Path.GetFileName(notebook)}: {e.Data}");
        };
        process.BeginErrorReadLine();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        string? last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        if (last == null)
        {
            string tail;
            lock (stderr) tail = string.Join("\n", stderr.TakeLast(15));
            return new NotebookResult(notebook, executed, false, null,
                $"the notebook runner ({Python} with nbclient) ended with code {process.ExitCode} and no result:\n{tail}", 0);
        }
        using var doc = JsonDocument.Parse(last);
        var r = doc.RootElement;
        bool ok = r.GetProperty("ok").GetBoolean();
        int? cell = r.TryGetProperty("cell", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;
        string? error = ok ? null : $"{Str(r, "ename")}: {Str(r, "evalue")}".Trim();
        // A dead kernel leaves no error output: its own last lines on stderr (a .NET fatal error, a signal) say why.
        if (Str(r, "ename") == "DeadKernelError")
            lock (stderr) error += "\nkernel stderr: " + string.Join("\n", stderr.Where(l => !l.StartsWith("cell ", StringComparison.Ordinal) && !l.StartsWith("   at ", StringComparison.Ordinal)).TakeLast(8));
        double seconds = r.TryGetProperty("seconds", out var s) ? s.GetDouble() : 0;
        return new NotebookResult(notebook, executed, ok, cell, error, seconds);
    }

    static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "";

    /// <summary>Writes the kernel spec and the driver script; checks the prerequisites with clear messages.</summary>
    string PrepareKernel()
    {
        string app = FindInteractiveApp();
        string kernelDir = Path.Combine(_workDir, "kernels", KernelName);
        Directory.CreateDirectory(kernelDir);
        Directory.CreateDirectory(Path.Combine(_workDir, "runtime"));
        var spec = new
        {
            argv = new[] { "dotnet", app, "jupyter", "--default-kernel", "csharp", "--http-local-only", "{connection_file}" },
            display_name = ".NET (C#) — uip2p",
            language = "C#",
        };
        AtomicFile.WriteAllText(Path.Combine(kernelDir, "kernel.json"), JsonSerializer.Serialize(spec, new JsonSerializerOptions { WriteIndented = true }));

        string driver = Path.Combine(_workDir, "run_notebook.py");
        using var resource = typeof(NotebookExecutor).Assembly.GetManifestResourceStream("Uip2p.Notebooks.run_notebook.py")
            ?? throw new InvalidOperationException("The notebook driver script is missing from the Uip2p assembly.");
        using var reader = new StreamReader(resource);
        AtomicFile.WriteAllText(driver, reader.ReadToEnd());

        var check = Process.Start(new ProcessStartInfo(Python, ["-c", "import nbclient, nbformat"]) { RedirectStandardError = true, UseShellExecute = false });
        check?.WaitForExit();
        if (check == null || check.ExitCode != 0)
            throw new InvalidOperationException(
                $"{Python} cannot import nbclient: install Debian's jupyter-nbconvert and python3-nbclient (scripts/setup.sh does).");
        return driver;
    }

    /// <summary>The dotnet-interactive tool's entry assembly, restored by <c>dotnet tool restore</c>.</summary>
    public static string FindInteractiveApp()
    {
        string packages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string tools = Path.Combine(packages, "microsoft.dotnet-interactive", InteractiveVersion, "tools");
        string? app = Directory.Exists(tools)
            ? Directory.GetFiles(tools, "Microsoft.DotNet.Interactive.App.dll", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        return app ?? throw new FileNotFoundException(
            $"dotnet-interactive {InteractiveVersion} is not restored (looked in {tools}); run 'dotnet tool restore' in the repository.");
    }
}

/// <summary>Finds the repository root (the folder with Uip2p.Research.sln) from the working directory or this assembly.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), Path.GetDirectoryName(Assembly.GetExecutingAssembly().Location) ?? "." })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Uip2p.Research.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Not inside the workbench repository (no Uip2p.Research.sln above the working directory or the library).");
    }
}
