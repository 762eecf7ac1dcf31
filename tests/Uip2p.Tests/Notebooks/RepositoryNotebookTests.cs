using System.Text.Json;
using System.Text.RegularExpressions;
using Uip2p.Notebooks;

namespace Uip2p.Tests.Notebooks;

/// <summary>
/// Runs every notebook of the repository once, in the real dotnet-interactive kernel with the short CI parameters
/// (UIP2P_CI=1), keeping the executed copies where users find them (artifacts/notebooks/NAME.ipynb).
/// </summary>
public sealed class RepositoryNotebooks
{
    public RepositoryNotebooks()
    {
        _ = TestPaths.CliDll;
        // Figures of earlier runs must not stand in for this run's.
        if (Directory.Exists(Figures)) Directory.Delete(Figures, recursive: true);
        var executor = new NotebookExecutor { CellTimeout = TimeSpan.FromMinutes(10) };
        executor.Environment["UIP2P_CI"] = "1";
        Results = executor.RunAll([Path.Combine(TestPaths.Repo, "notebooks")]);
    }

    public IReadOnlyList<NotebookResult> Results { get; }

    /// <summary>Where the notebooks write their paper figures (one folder per notebook).</summary>
    public static string Figures => Path.Combine(TestPaths.Repo, "artifacts", "notebooks", "figures");

    /// <summary>The executed copy of one notebook, asserting it ran green.</summary>
    public Executed Get(string name)
    {
        var result = Results.Single(r => Path.GetFileName(r.Notebook) == name);
        Assert.True(result.Succeeded, result.ToString());
        return new Executed(result.ExecutedCopy);
    }
}

/// <summary>One executed notebook's cells and outputs.</summary>
public sealed class Executed(string path)
{
    public string Path { get; } = path;
    readonly JsonElement _root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    public IEnumerable<JsonElement> CodeCells => _root.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("cell_type").GetString() == "code");

    public IEnumerable<JsonElement> Outputs => CodeCells.SelectMany(c => c.GetProperty("outputs").EnumerateArray());

    /// <summary>The code cell whose source contains <paramref name="text"/>.</summary>
    public JsonElement Cell(string text) => CodeCells.Single(c => Source(c).Contains(text, StringComparison.Ordinal));

    /// <summary>The code cell whose whole source is <paramref name="text"/>.</summary>
    public JsonElement CellExactly(string text) => CodeCells.Single(c => Source(c).Trim() == text);

    public static string Source(JsonElement cell) => Join(cell.GetProperty("source"));

    public static string Join(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? string.Concat(value.EnumerateArray().Select(v => v.GetString())) : value.GetString() ?? "";

    /// <summary>The PNG images a cell shows (decoded from its image/png outputs).</summary>
    public static List<(int Width, int Height)> Images(JsonElement cell) => cell.GetProperty("outputs").EnumerateArray()
        .Where(o => o.TryGetProperty("data", out var d) && d.TryGetProperty("image/png", out _))
        .Select(o =>
        {
            var png = Convert.FromBase64String(Join(o.GetProperty("data").GetProperty("image/png")).Trim());
            Assert.True(png.Length > 24 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "an image/png output is not a PNG");
            return ((int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16)), (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20)));
        }).ToList();

    /// <summary>The rows of the first HTML table a cell shows, as cell texts (the header row first).</summary>
    public static List<string[]> Table(JsonElement cell)
    {
        string html = cell.GetProperty("outputs").EnumerateArray()
            .Where(o => o.TryGetProperty("data", out var d) && d.TryGetProperty("text/html", out _))
            .Select(o => Join(o.GetProperty("data").GetProperty("text/html"))).FirstOrDefault(h => h.Contains("<table>")) ?? "";
        Assert.False(html.Length == 0, "the cell shows no table");
        return Regex.Matches(html, "<tr>(.*?)</tr>", RegexOptions.Singleline)
            .Select(m => Regex.Matches(m.Groups[1].Value, "<t[hd]>(.*?)</t[hd]>", RegexOptions.Singleline).Select(c => System.Net.WebUtility.HtmlDecode(c.Groups[1].Value)).ToArray())
            .ToList();
    }
}

[CollectionDefinition("notebooks")]
public sealed class NotebookCollection : ICollectionFixture<RepositoryNotebooks>;

[Collection("notebooks")]
public class RepositoryNotebookTests(RepositoryNotebooks notebooks, Xunit.Abstractions.ITestOutputHelper output)
{
    static readonly string[] Expected = ["00-setup.ipynb", "01-cec-training.ipynb", "02-attention-maps.ipynb", "03-ablations.ipynb", "04-qualitative-comparisons.ipynb"];

    [Fact]
    public void Every_notebook_runs_green_and_keeps_its_executed_copy_in_artifacts()
    {
        Assert.Equal(Expected, notebooks.Results.Select(r => Path.GetFileName(r.Notebook)).Order(StringComparer.Ordinal));
        foreach (var r in notebooks.Results)
        {
            // A kernel that died once and then ran green is reported, not hidden (the executor reruns it once).
            output.WriteLine(r.ToString());
            if (r.EarlierKernelDeath is not null) Console.WriteLine($"warning: {r}");
            Assert.True(r.Succeeded, r.ToString());
            Assert.Equal(Path.Combine(TestPaths.Repo, "artifacts", "notebooks", Path.GetFileName(r.Notebook)), r.ExecutedCopy);
            var nb = new Executed(r.ExecutedCopy);
            Assert.All(nb.CodeCells, c => Assert.Equal(JsonValueKind.Number, c.GetProperty("execution_count").ValueKind));
            Assert.All(nb.CodeCells, c => Assert.True(c.GetProperty("outputs").GetArrayLength() > 0, "a code cell shows nothing: " + Executed.Source(c)[..Math.Min(80, Executed.Source(c).Length)]));
        }
    }

    [Fact]
    public void Images_are_image_png_outputs_not_html()
    {
        foreach (var r in notebooks.Results)
        {
            var nb = new Executed(r.ExecutedCopy);
            Assert.Contains(nb.CodeCells, c => Executed.Images(c).Count > 0);
            Assert.DoesNotContain("data:image/png;base64,", File.ReadAllText(r.ExecutedCopy));
        }
    }

    [Fact]
    public void Every_notebook_exports_its_figures_as_png_svg_and_pdf()
    {
        foreach (var r in notebooks.Results)
        {
            string folder = Path.Combine(RepositoryNotebooks.Figures, Path.GetFileNameWithoutExtension(r.Notebook));
            Assert.True(Directory.Exists(folder), $"{Path.GetFileName(r.Notebook)} wrote no figures to {folder}");
            var stems = Directory.GetFiles(folder).Select(Path.GetFileNameWithoutExtension).Distinct().ToList();
            Assert.NotEmpty(stems);
            foreach (string? stem in stems)
            {
                byte[] png = File.ReadAllBytes(Path.Combine(folder, stem + ".png"));
                Assert.Equal(300, Uip2p.Imaging.PngDensity.ReadDpi(png) ?? 0, 0.5);
                Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(folder, stem + ".pdf")), 0, 4));
                var svg = System.Xml.Linq.XDocument.Load(Path.Combine(folder, stem + ".svg"));
                Assert.EndsWith("in", (string?)svg.Root!.Attribute("width"));
            }
        }
    }

    [Fact]
    public void Setup_shows_versions_images_and_the_papers_numbers_labelled_as_the_papers()
    {
        var nb = notebooks.Get("00-setup.ipynb");
        string text = File.ReadAllText(nb.Path);
        Assert.Contains("0.107.0", text);
        Assert.Contains("runtimes/linux-x64/native", text);
        var table = Executed.Table(nb.Cell("new DataFrame(methods"));
        Assert.Equal(["L1", "L2", "CLIP-I", "DINO", "CLIP-T"], table[0][1..]);
        Assert.All(table.Skip(1), row => Assert.Contains("as reported", row[0]));
    }

    [Fact]
    public void Cec_training_saves_the_charts_final_state_and_recomputes_the_steps_losses()
    {
        var nb = notebooks.Get("01-cec-training.ipynb");
        var training = nb.Cell("var chart = display(Chart());");
        var live = training.GetProperty("outputs").EnumerateArray().First(o => o.TryGetProperty("data", out var d) && d.TryGetProperty("image/png", out _));
        Assert.True(live.GetProperty("metadata").GetProperty("uip2p").GetProperty("updates").GetInt32() >= 3, "the live chart kept its first, empty state");

        var table = Executed.Table(nb.Cell("from_clamped_images"));
        Assert.Equal(["term", "step", "recomputed", "from_clamped_images"], table[0]);
        Assert.Equal(5, table.Count);
        foreach (var row in table.Skip(1))
        {
            double step = double.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture), again = double.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture);
            // The table shows 4 significant digits: the step's value and its recomputation agree to that.
            Assert.True(Math.Abs(step - again) <= 1e-3 * Math.Max(1, Math.Abs(step)), $"{row[0]}: step {step} vs recomputed {again}");
        }
        var scores = Executed.Table(nb.Cell("HeldOutWorld.Table("));
        Assert.Equal(["identity", "paper λ", "yours"], scores.Skip(1).Select(r => r[0]));
        Assert.NotEmpty(Executed.Images(nb.Cell("ChartStyle.Panels(")));
    }

    [Fact]
    public void Attention_maps_show_tokens_layers_steps_and_both_cycle_passes()
    {
        var nb = notebooks.Get("02-attention-maps.ipynb");
        var tokens = Executed.Images(nb.Cell("var tokens = figures.Save(AttentionFigures.Tokens(world)"));
        Assert.Single(tokens);
        Assert.True(tokens[0].Width > 8 * 192, $"the per-token figure is {tokens[0].Width} px wide: fewer maps than tokens, or not upsampled");
        Assert.NotEmpty(Executed.Images(nb.Cell("var layers = figures.Save(AttentionFigures.Layers(")));
        Assert.NotEmpty(Executed.Images(nb.Cell("AttentionFigures.Steps(")));
        var shares = Executed.Table(nb.Cell("world.TokenShares("));
        double total = shares.Skip(1).Sum(r => double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(total, 0.0, 1.0 + 1e-3);
        var cycle = Executed.Table(nb.Cell("AttentionFigures.CycleTable("));
        Assert.Equal(["layer", "untrained start", "UIP2P"], cycle[0]);
        Assert.Equal(8, cycle.Count - 1); // the world UNet's 7 cross-attention layers and their sum
    }

    [Fact]
    public void Ablations_table_has_a_row_per_variant_and_the_cli_reproduces_it()
    {
        var nb = notebooks.Get("03-ablations.ipynb");
        var summary = Executed.Table(nb.Cell("report.Results!.SummaryFrame()"));
        string[] variants = ["identity", "base", "+L_sim", "+L_attn", "λ_attn 0.25", "λ_attn 1", "pure-noise start", "re-encoded reverse", "t band 0-1000"];
        Assert.Equal(variants, summary.Skip(1).Select(r => r[0]));
        Assert.All(summary.Skip(2), r => Assert.Equal("2", r[1]));   // two seeds each
        Assert.Contains("judge_success_se", summary[0]);
        var steps = Executed.Table(nb.CellExactly("study"));
        Assert.Equal(1 + 2 * 3, steps.Count - 1);                    // identity, then 2 editors × 5/20/50 steps
        Assert.NotEmpty(Executed.Images(nb.Cell("figures.Save(bars")));

        // The command the notebook prints runs the same plan from a terminal: every run is found finished, the table is the same.
        string command = Executed.Join(nb.Cell("ablation.CommandLine()").GetProperty("outputs")[0].GetProperty("data").GetProperty("text/plain"));
        Assert.StartsWith("./uip2p ablate --config configs/cec-world.json --out artifacts/ablations-ci/table3 --seeds 2", command);
        string csv = Path.Combine(TestPaths.Repo, "artifacts", "ablations-ci", "table3", "summary.csv");
        string before = File.ReadAllText(csv);
        var psi = new System.Diagnostics.ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = TestPaths.Repo, RedirectStandardOutput = true, RedirectStandardError = true };
        using var cli = System.Diagnostics.Process.Start(psi)!;
        string output = cli.StandardOutput.ReadToEnd() + cli.StandardError.ReadToEnd();
        cli.WaitForExit();
        Assert.True(cli.ExitCode == 0, output);
        Assert.Contains("runs: kept 16, trained 0, resumed 0", output);
        Assert.Equal(before, File.ReadAllText(csv));
    }

    [Fact]
    public void Qualitative_comparisons_judge_every_method_on_every_edit_kind()
    {
        var nb = notebooks.Get("04-qualitative-comparisons.ipynb");
        var table = Executed.Table(nb.CellExactly("table"));
        Assert.Equal(["method", "colour", "size", "add", "remove", "move", "background", "grayscale", "success rate"], table[0]);
        Assert.Equal(5, table.Count - 1);
        Assert.Equal("identity (input)", table[1][0]);
        Assert.NotEmpty(Executed.Images(nb.Cell("var turns = Comparisons.Sessions(")));
        Assert.NotEmpty(Executed.Images(nb.Cell("Comparisons.Photos(")));
    }
}
