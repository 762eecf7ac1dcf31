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
        var command = new Command("bench", "Time an SD1.5-size UNet forward and forward+backward (FLOPs, peak memory, share of this machine's sgemm rate) and the tiny pipeline's edits.")
        {
            unet, latent, repeats, steps, output,
        };
        command.SetAction(result =>
        {
            GlobalOptions.Apply(result);
            void Log(string line) => AnsiConsole.MarkupLine(Markup.Escape(line));
            var results = new List<BenchResult>();
            string which = result.GetValue(unet)!;
            if (which != "none")
            {
                var config = which switch
                {
                    "sd15" => UNetBenchmark.Sd15InstructPix2Pix,
                    "tiny" => TinyPipeline.UNetConfig,
                    _ => throw new ArgumentException($"--unet '{which}': use sd15, tiny or none."),
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
            var table = new Table().AddColumns("benchmark", "seconds", "peak RSS (GB)", "GFLOP", "GFLOP/s", "of sgemm");
            foreach (var r in results)
                table.AddRow(Markup.Escape(r.Name), $"{r.Seconds:F3}", $"{r.PeakBytes / 1e9:F2}",
                    r.Flops > 0 ? $"{r.Flops / 1e9:F1}" : "", r.Flops > 0 ? $"{r.AchievedFlopsPerSecond / 1e9:F1}" : "", r.Flops > 0 ? $"{r.FractionOfSgemm:P0}" : "");
            AnsiConsole.Write(table);
            if (result.GetValue(output) is { } path)
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return 0;
        });
        return command;
    }
}
