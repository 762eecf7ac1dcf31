using System.Diagnostics;
using System.Globalization;
using System.Text;
using Uip2p.Charts;
using Uip2p.Data;
using Uip2p.Evaluation;
using Uip2p.Imaging;
using Uip2p.Pipelines;
using Uip2p.Training;
using Uip2p.World;
using static TorchSharp.torch;

namespace Uip2p.Experiments;

/// <summary>Sizes of the main demo (defaults: ≤ 10 minutes on 2 CPU cores).</summary>
public sealed record DemoOptions
{
    /// <summary>Pretrained world components (vae/, text_encoder/, tokenizer/, scheduler/, clip/, unet/, editor/).</summary>
    public required string Components { get; init; }
    public int TrainRecords { get; init; } = 800;
    public int HeldOutRecords { get; init; } = 48;
    public int CecSteps { get; init; } = 400;
    public int SupervisedSteps { get; init; } = 800;
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 1e-4;
    public int Seed { get; init; } = 0;
    /// <summary>
    /// How the held-out scenes are edited: DDIM 20 steps, s_T 7.5, s_I 1.5, starting SDEdit-style from the
    /// input noised 70 % of the way (the feasibility study found such starts preserved the scene best for
    /// every model, DESIGN §7).
    /// </summary>
    public EditOptions Edit { get; init; } = new() { Steps = 20, Sampler = "ddim", TextGuidance = 7.5, ImageGuidance = 1.5, Seed = 7, Strength = 0.7 };
    /// <summary>Rows of the image grid.</summary>
    public int GridRows { get; init; } = 8;
}

/// <summary>
/// The workbench's main job: from the shipped world components, train UIP2P (CEC, no ground truth) and the
/// supervised InstructPix2Pix baseline briefly on the same generated data, edit held-out scenes with the
/// untrained start and both models, and write a report: image grids, loss curves (PNG + SVG), L1/L2 to the
/// clean ground truth (CSV + a printed table).
/// </summary>
public sealed class WorldDemo(DemoOptions options, string output)
{
    public DemoOptions Options { get; } = options;

    /// <summary>Stage messages (and the trainers' progress, through <see cref="TrainProgress"/>).</summary>
    public Action<string>? Log { get; set; }
    public Func<Trainer, string, TrainResult>? RunTrainer { get; set; }

    public DemoReport Run()
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(output);
        string data = Path.Combine(output, "data");
        Log?.Invoke($"generating {Options.TrainRecords} training and {Options.HeldOutRecords} held-out world edits");
        WorldDataset.Write(Path.Combine(data, "train"), Options.TrainRecords, Options.Seed + 1);
        var heldOut = new EditDataset(WorldDataset.Write(Path.Combine(data, "heldout"), Options.HeldOutRecords, Options.Seed + 1001).Folder);

        var results = new Dictionary<string, TrainResult>();
        foreach (var (name, method, steps) in new[] { ("supervised", TrainMethod.Supervised, Options.SupervisedSteps), ("uip2p", TrainMethod.Cec, Options.CecSteps) })
        {
            var config = new TrainConfig
            {
                Method = method, Components = Path.GetFullPath(Options.Components), Data = Path.GetFullPath(Path.Combine(data, "train")),
                Steps = steps, BatchSize = Options.BatchSize, LearningRate = Options.LearningRate, WarmupSteps = Math.Min(20, steps / 5), Seed = Options.Seed,
                ValidateEvery = Math.Max(1, steps / 3), SampleEvery = steps, CheckpointEvery = steps, ValidationBatches = 1,
                SampleStrength = Options.Edit.Strength, SampleSteps = Options.Edit.Steps,
            };
            var trainer = new Trainer(config, Path.Combine(output, "runs", name));
            Log?.Invoke($"training {name} ({steps} steps)");
            results[name] = RunTrainer?.Invoke(trainer, name) ?? trainer.Run();
        }

        Log?.Invoke($"editing {Options.HeldOutRecords} held-out scenes with each model");
        var components = EditingComponents.Load(Options.Components);
        var heldBatches = new EditBatches(heldOut, heldOut.ReadAll(), Options.Seed, components.Vae.Config.SampleSize);
        var models = new (string Name, Func<InstructPix2PixPipeline> Pipeline)[]
        {
            ("untrained start", () => components.Pipeline(components.LoadEditor())),
            ("supervised", () => InstructPix2PixPipeline.Load(results["supervised"].ModelFolder)),
            ("uip2p", () => InstructPix2PixPipeline.Load(results["uip2p"].ModelFolder)),
        };
        var summaries = new List<EditSummary>();
        var edits = new Dictionary<string, Tensor>();
        var allScores = new List<(string Model, EditScore Score)>();
        foreach (var (name, make) in models)
        {
            using var _ = no_grad();
            var (scores, edited) = EditScores.Run(make(), heldBatches, Options.Edit);
            summaries.Add(EditSummary.Of(name, scores));
            allScores.AddRange(scores.Select(s => (name, s)));
            edits[name] = edited;
        }

        var report = new DemoReport(output, summaries, clock.Elapsed);
        WriteCsv(Path.Combine(output, "scores.csv"), summaries);
        WritePerEditCsv(Path.Combine(output, "scores_per_edit.csv"), allScores);
        WriteGrid(Path.Combine(output, "edits.png"), heldBatches, edits);
        WriteCurves(output, results);
        AtomicFile.WriteAllText(Path.Combine(output, "summary.md"), report.ToMarkdown());
        return report with { Elapsed = clock.Elapsed };
    }

    static void WriteCsv(string path, IReadOnlyList<EditSummary> summaries)
    {
        var sb = new StringBuilder("model,count,l1,l2,l1_in_mask,l1_outside_mask\n");
        foreach (var s in summaries)
            sb.AppendLine(string.Join(',', s.Model, s.Count, F(s.L1), F(s.L2), F(s.L1InMask), F(s.L1OutsideMask)));
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    static void WritePerEditCsv(string path, IEnumerable<(string Model, EditScore Score)> scores)
    {
        var sb = new StringBuilder("model,id,kind,l1,l2,l1_in_mask,l1_outside_mask\n");
        foreach (var (m, s) in scores) sb.AppendLine(string.Join(',', m, s.Id, s.Kind, F(s.L1), F(s.L2), F(s.L1InMask), F(s.L1OutsideMask)));
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    void WriteGrid(string path, EditBatches held, IReadOnlyDictionary<string, Tensor> edits)
    {
        var rows = held.Records.Take(Options.GridRows).ToList();
        using var batch = held.Of(rows);
        var grid = new ImageGrid(5) { ColumnHeaders = ["input", "untrained start", "supervised", "UIP2P (CEC)", "ground truth"], Title = "Held-out world edits" };
        for (int i = 0; i < rows.Count; i++)
        {
            grid.Add(batch.Inputs[i], rows[i].EditInstruction);
            grid.Add(edits["untrained start"][i]);
            grid.Add(edits["supervised"][i]);
            grid.Add(edits["uip2p"][i]);
            grid.Add(batch.CleanEditedImages![i]);
        }
        grid.Save(path);
    }

    static void WriteCurves(string output, IReadOnlyDictionary<string, TrainResult> results)
    {
        foreach (var (name, title, terms) in new[]
                 {
                     ("loss_uip2p", "UIP2P (CEC) training losses", new[] { "loss/cec", "loss/clip", "loss/sim", "loss/attn", "loss/recon" }),
                     ("loss_supervised", "Supervised IP2P training loss", new[] { "loss/ddpm" }),
                 })
        {
            string run = name == "loss_uip2p" ? "uip2p" : "supervised";
            var log = TrainingLog.Read(Path.Combine(Path.GetDirectoryName(results[run].ModelFolder)!, "metrics.jsonl"));
            var plot = ChartStyle.NewPlot();
            foreach (string term in terms)
            {
                var points = log.Where(l => l.Phase == "train" && l.Values.ContainsKey(term)).ToList();
                if (points.Count == 0) continue;
                var line = plot.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), Smooth(points.Select(p => p.Values[term]).ToArray()));
                line.LegendText = term[5..];
                line.MarkerSize = 0;
            }
            var val = log.Where(l => l.Phase == "validation" && l.Values.ContainsKey("loss/cec")).ToList();
            if (val.Count > 0)
            {
                var v = plot.Add.Scatter(val.Select(p => (double)p.Step).ToArray(), val.Select(p => p.Values["loss/cec"]).ToArray());
                v.LegendText = "validation L_CEC";
                v.MarkerSize = 8;   // markers, not a dash pattern: Skia's SVG backend drops path effects
            }
            plot.Title(title);
            plot.XLabel("step");
            plot.YLabel("loss (moving average of 10 steps)");
            plot.ShowLegend();
            ChartStyle.Save(plot, Path.Combine(output, name + ".png"));
            ChartStyle.Save(plot, Path.Combine(output, name + ".svg"));
        }
    }

    static double[] Smooth(double[] v, int window = 10) =>
        v.Select((_, i) => v.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average()).ToArray();
}

/// <summary>What the demo measured.</summary>
public sealed record DemoReport(string Folder, IReadOnlyList<EditSummary> Models, TimeSpan Elapsed)
{
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Held-out world edits scored against the clean ground truth (pixels in [0,1]); lower is better.\n");
        sb.AppendLine("| model | edits | L1 | L2 | L1 in edit mask | L1 outside mask |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var m in Models)
            sb.AppendLine(FormattableString.Invariant($"| {m.Model} | {m.Count} | {m.L1:F4} | {m.L2:F4} | {m.L1InMask:F4} | {m.L1OutsideMask:F4} |"));
        return sb.ToString();
    }
}
