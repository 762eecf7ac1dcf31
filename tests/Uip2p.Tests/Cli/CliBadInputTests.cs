using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
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
