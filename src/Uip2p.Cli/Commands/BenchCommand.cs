using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Uip2p.Benchmarks;
using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p bench</c>: the UNet and pipeline benchmarks reported in the issue notes.</summary>
static class BenchCommand
{
    public static Command Create()
    {
        var unet = new Option<string>("--unet") { Description = "UNet to time: sd15 (SD1.5 InstructPix2Pix size, random weights), tiny, or none.", DefaultValueFactory = _ => "sd15" };
        var latent = new Option<int>("--latent") { Description = "Latent side (32 = a 256×256 image for SD).", DefaultValueFactory = _ => 32 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per measurement (the best is reported).", DefaultValueFactory = _ => 2 };
        var steps = new Option<int[]>("--pipeline-steps") { Description = "Step counts for the tiny pipeline's edit time (empty: skip).", DefaultValueFactory = _ => [5, 20, 50], AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "Also write the results as JSON here." };
        var training = new Option<string?>("--training") { Description = "World components folder: time a CEC step against a supervised step on the same batch (and --rss-steps)." };
        var batch = new Option<int>("--batch") { Description = "Batch size of the training benchmarks.", DefaultValueFactory = _ => 8 };
        var pretrain = new Option<string[]>("--pretrain") { Description = "Time one step of every world pretraining stage for each config named: defaults (PretrainConfig's), or a pretrained folder (its pretrain.json, e.g. data/world).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var rssSteps = new Option<int>("--rss-steps") { Description = "With --training: run this many CEC steps and sample the process RSS every 100 (0: skip).", DefaultValueFactory = _ => 0 };
        var command = new Command("bench", "Time an SD1.5-size UNet forward and forward+backward (FLOPs, peak memory, share of this machine's sgemm rate), the tiny pipeline's edits, and (--training) CEC vs supervised training steps and RSS over a long CEC run, and (--pretrain) one step of every world pretraining stage.")
        {
            unet, latent, repeats, steps, output, training, batch, rssSteps, pretrain,
        };
        command.SetAction(result =>
        {
            string which = Check.OneOf("--unet", result.GetValue(unet)!, "sd15", "tiny", "none");
            Check.Range("--latent", result.GetValue(latent), 4, 256);
            Check.Range("--repeats", result.GetValue(repeats), 1, 100);
            foreach (int n in result.GetValue(steps) ?? []) Check.Range("--pipeline-steps", n, 1, 1000);
            Check.Range("--batch", result.GetValue(batch), 1, 1024);
            Check.Range("--rss-steps", result.GetValue(rssSteps), 0, 1_000_000);
            if (result.GetValue(training) is { } t) Check.ExistingFolder("--training", t);
            var pretrainConfigs = (result.GetValue(pretrain) ?? []).Select(p => p == "defaults"
                ? (Label: "defaults", Config: new Uip2p.World.Pretraining.PretrainConfig())
                : (Label: Path.GetFileName(Path.TrimEndingDirectorySeparator(p)), Config: Uip2p.Benchmarks.PretrainingBenchmark.ConfigOf(Check.ExistingFolder("--pretrain", p)))).ToList();
            if (result.GetValue(output) is { } o) Check.OutputFile("--out", o, ".json");
            GlobalOptions.Apply(result);
            void Log(string line) => AnsiConsole.MarkupLine(Markup.Escape(line));
            var results = new List<BenchResult>();
            if (which != "none")
            {
                var config = which switch
                {
                    "sd15" => UNetBenchmark.Sd15InstructPix2Pix,
                    "tiny" => TinyPipeline.UNetConfig,
                    _ => throw new UsageException($"--unet '{which}': must be one of sd15, tiny, none."),
                };
                results.AddRange(UNetBenchmark.RunUNet(config, result.GetValue(latent), result.GetValue(repeats), Log));
            }
            int[] stepCounts = result.GetValue(steps) ?? [];
            if (stepCounts.Length > 0)
            {
                string dir = Directory.CreateTempSubdirectory("uip2p-bench-").FullName;
                try { results.AddRange(UNetBenchmark.RunTinyPipeline(dir, stepCounts, Log)); }
                finally { Directory.Delete(dir, recursive: true); }
            }
            RssTrace? rss = null;
            if (result.GetValue(training) is { } components)
            {
                string data = Directory.CreateTempSubdirectory("uip2p-bench-world-").FullName;
                try
                {
                    Uip2p.World.WorldDataset.Write(data, 64, seed: 5);
                    results.AddRange(TrainingBenchmark.CompareSteps(components, data, result.GetValue(batch), result.GetValue(repeats), Log));
                    if (result.GetValue(rssSteps) is > 0 and var n)
                        rss = TrainingBenchmark.CecRss(components, data, result.GetValue(batch), n, 100, Log);
                }
                finally { Directory.Delete(data, recursive: true); }
            }
            foreach (var (label, config) in pretrainConfigs)
                results.AddRange(PretrainingBenchmark.Run(label, config, result.GetValue(repeats), Log));
            var table = new Table().AddColumns("benchmark", "seconds", "peak RSS (GB)", "GFLOP", "GFLOP/s", "of sgemm");
            foreach (var r in results)
                table.AddRow(Markup.Escape(r.Name), $"{r.Seconds:F3}", $"{r.PeakBytes / 1e9:F2}",
                    r.Flops > 0 ? $"{r.Flops / 1e9:F1}" : "", r.Flops > 0 ? $"{r.AchievedFlopsPerSecond / 1e9:F1}" : "", r.Flops > 0 ? $"{r.FractionOfSgemm:P0}" : "");
            AnsiConsole.Write(table);
            if (rss != null)
                AnsiConsole.MarkupLine($"CEC RSS over {rss.Steps} steps ({rss.SecondsPerStep:F3} s/step): {string.Join(" → ", rss.Samples.Select(s => $"{s.Bytes / 1e6:F0}"))} MB; growth after warm-up {rss.GrowthAfterWarmup / 1e6:F1} MB");
            if (result.GetValue(output) is { } path)
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new { results, cec_rss = rss is null ? null : new { rss.Steps, rss.SecondsPerStep, samples = rss.Samples.Select(s => new { step = s.Step, bytes = s.Bytes }), growth_after_warmup = rss.GrowthAfterWarmup } },
                    new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return 0;
        });
        return command;
    }
}
