using System.CommandLine;
using Spectre.Console;
using Uip2p.Experiments;
using Uip2p.IO;
using Uip2p.Notebooks;
using Uip2p.Pipelines;
using static TorchSharp.torch;

namespace Uip2p.Cli.Commands;

/// <summary>
/// <c>uip2p eval world</c>: editors scored on held-out world edits by the judge and by L1/L2 in and out of the edit mask,
/// always beside the identity row (output = input) and the ground truth through the VAE — the measure of issue 12.
/// <c>--copy</c> instead edits every scene with an empty instruction and scores how well the input is reproduced.
/// </summary>
static class EvalWorldCommand
{
    public static Command Create()
    {
        var components = new Option<string>("--components") { Description = "World components (vae/, editor/, …; default: data/world of this repository)." };
        var model = new Option<string[]>("--model") { Description = "Editors as NAME=FOLDER: an InstructPix2Pix folder, an editing UNet folder used with the components (e.g. data/world/editors/uip2p), or 'start' for the components' editor/. Repeatable.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var count = new Option<int>("--count") { Description = "Held-out edits (generated from --seed, all kinds).", DefaultValueFactory = _ => 300 };
        var seed = new Option<int>("--seed") { Description = "World seed of the held-out edits (training data uses other seeds).", DefaultValueFactory = _ => 3001 };
        var output = new Option<string>("--out") { Description = "Output folder: data/ (the held-out edits), scores.csv, scores_per_edit.csv, summary.md, edits.png/svg/pdf.", Required = true };
        var copy = new Option<bool>("--copy") { Description = "Empty instructions; score reproduction of the input (judge: scene unchanged; L1/L2 to the input)." };
        var d = HeldOutWorld.DefaultEdit;
        var steps = new Option<int>("--steps") { Description = "Sampling steps.", DefaultValueFactory = _ => d.Steps };
        var sampler = new Option<string>("--sampler") { Description = "ddim, euler_a or ddpm.", DefaultValueFactory = _ => d.Sampler };
        var textGuidance = new Option<double>("--text-guidance") { Description = "s_T.", DefaultValueFactory = _ => d.TextGuidance };
        var imageGuidance = new Option<double>("--image-guidance") { Description = "s_I.", DefaultValueFactory = _ => d.ImageGuidance };
        var strength = new Option<double>("--strength") { Description = "1: from noise; below 1: SDEdit-style from the noised input.", DefaultValueFactory = _ => d.Strength };
        var editSeed = new Option<long>("--edit-seed") { Description = "Seed of the sampling noise (record i uses seed + its batch start).", DefaultValueFactory = _ => d.Seed };
        var grid = new Option<int>("--grid") { Description = "Edits shown in edits.png (0: none).", DefaultValueFactory = _ => 8 };
        var command = new Command("world", "Score editors on held-out world edits: the judge's success per edit kind and L1/L2 in and out of the edit mask, beside identity and the ground truth via the VAE.")
        {
            components, model, count, seed, output, copy, steps, sampler, textGuidance, imageGuidance, strength, editSeed, grid,
        };
        command.SetAction(result =>
        {
            string comps = result.GetValue(components) ?? Path.Combine(RepositoryRoot.Find(), "data", "world");
            OptionChecks.Folder("--components", comps);
            var models = (result.GetValue(model) ?? []).Select(m => Check.NameValue("--model", m, "NAME=FOLDER (FOLDER 'start' for the components' editor)")).ToList();
            foreach (var (_, folder) in models)
                if (folder != "start") EvalCommand.CheckModelFolder("--model", folder);
            if (models.Select(m => m.Name).Distinct().Count() != models.Count) throw new ArgumentException("--model: each NAME once.");
            int n = OptionChecks.Range("--count", result.GetValue(count), 1, 100_000);
            var options = new EditOptions
            {
                Steps = OptionChecks.Range("--steps", result.GetValue(steps), 1, 1000),
                Sampler = OptionChecks.Choice("--sampler", result.GetValue(sampler)!, ["ddim", "euler_a", "ddpm"]),
                TextGuidance = OptionChecks.Range("--text-guidance", result.GetValue(textGuidance), 0, 100),
                ImageGuidance = OptionChecks.Range("--image-guidance", result.GetValue(imageGuidance), 0, 100),
                Strength = OptionChecks.Range("--strength", result.GetValue(strength), 0.01, 1),
                Seed = result.GetValue(editSeed),
            };
            int gridRows = OptionChecks.Range("--grid", result.GetValue(grid), 0, 64);
            string outDir = result.GetValue(output)!;
            EvalCommand.CheckOutput("--out", outDir);
            bool copyMode = result.GetValue(copy);
            GlobalOptions.Apply(result);

            var c = EditingComponents.Load(comps);
            var held = HeldOutWorld.Write(Path.Combine(outDir, "data"), n, result.GetValue(seed), c.Vae.Config.SampleSize);
            var rows = new List<DemoRow>();
            var outputs = new Dictionary<string, Tensor>();
            void Scored(string name, Func<Action<int, int>, (DemoRow Row, Tensor Outputs)> run)
            {
                AnsiConsole.Progress().AutoClear(true)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask(Markup.Escape(name), maxValue: n);
                        var (row, images) = run((done, _) => task.Value = done);
                        rows.Add(row);
                        outputs[name] = images;
                    });
                var last = rows[^1];
                AnsiConsole.MarkupLine($"{Markup.Escape(name)}: judge {last.Success.Percent()}, L1 in mask {last.L1InMask.ToString("F4")}, outside {last.L1OutsideMask.ToString("F4")}");
            }
            if (copyMode)
            {
                Scored("input via VAE", _ => held.CopyRow("input via VAE", (b, _) => c.Vae.RoundTrip(b.Inputs)));
                foreach (var (name, folder) in models) Scored(name, p => held.CopyRow(name, Pipeline(c, folder), options, p));
            }
            else
            {
                Scored("identity", _ => held.Row("identity", null, options));
                Scored(WorldDemo.VaeReference, _ => held.Row(WorldDemo.VaeReference, b => c.Vae.RoundTrip(b.CleanEditedImages!)));
                foreach (var (name, folder) in models) Scored(name, _ => held.Row(name, Pipeline(c, folder), options));
            }

            DemoRows.WriteCsv(Path.Combine(outDir, "scores.csv"), rows);
            DemoRows.WritePerEditCsv(Path.Combine(outDir, "scores_per_edit.csv"), rows);
            string header = copyMode
                ? $"{n} held-out scenes edited with an empty instruction; L1/L2 to the input, judge success = the scene read back is the input scene.\n\n"
                : $"{n} held-out world edits (seed {held.Seed}); L1/L2 to the clean ground truth; judge success = the asked change happened and the rest was kept.\n\n";
            string settings = $"Sampler {options.Sampler}, {options.Steps} steps, s_T {options.TextGuidance}, s_I {options.ImageGuidance}, strength {options.Strength}, seed {options.Seed}.\n\n";
            string markdown = header + settings + DemoRows.Markdown(rows);
            AtomicFile.WriteAllText(Path.Combine(outDir, "summary.md"), markdown);
            if (gridRows > 0)
                WorldGrid.Write(Path.Combine(outDir, "edits"), held, outputs, rows, rows.Select(r => r.Model).Where(m => m != "identity").ToList(), gridRows, groundTruth: !copyMode,
                    title: copyMode ? "Empty instruction: is the input reproduced?" : null, emptyInstructions: copyMode);
            Console.WriteLine(markdown);
            AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(Path.GetFullPath(outDir))}[/] (scores.csv, scores_per_edit.csv, summary.md{(gridRows > 0 ? ", edits.png/svg/pdf" : "")})");
            return 0;
        });
        return command;
    }

    static InstructPix2PixPipeline Pipeline(EditingComponents c, string folder) =>
        folder == "start" ? c.Pipeline(c.LoadEditor()) : c.PipelineFor(folder);
}
