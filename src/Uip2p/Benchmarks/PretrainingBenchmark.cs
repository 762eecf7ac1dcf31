using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Objectives;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using Uip2p.World;
using Uip2p.World.Pretraining;
using static TorchSharp.torch;

namespace Uip2p.Benchmarks;

/// <summary>
/// One training step of every world pretraining stage (forward, backward, clipping, AdamW) at a config's sizes and
/// batches, on freshly initialised models and 256 rendered scenes (a step costs the same whatever the weights):
/// best of the repeats after a warm-up, with the process's peak RSS. Compare the current defaults with the shipped
/// components' config (<c>data/world/pretrain.json</c>) to see what a change of sizes costs.
/// </summary>
public static class PretrainingBenchmark
{
    /// <summary>The config a pretrained folder was made with (its <c>pretrain.json</c>).</summary>
    public static PretrainConfig ConfigOf(string folder)
    {
        string path = Path.Combine(folder, "pretrain.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no pretrain.json (written by uip2p pretrain).", path);
        var node = JsonNode.Parse(File.ReadAllText(path))?["config"] ?? throw new InvalidDataException($"{path}: no 'config'.");
        return node.Deserialize<PretrainConfig>() ?? throw new InvalidDataException($"{path}: 'config' is empty.");
    }

    public static IReadOnlyList<BenchResult> Run(string label, PretrainConfig config, int repeats, Action<string>? log = null)
    {
        config = config with { Scenes = 256 };
        var data = PretrainScenes.Render(config);
        string tokenizerDir = Directory.CreateTempSubdirectory("uip2p-bench-tokenizer-").FullName;
        ClipTokenizer tokenizer;
        try
        {
            WorldTokenizer.Write(tokenizerDir);
            tokenizer = ClipTokenizer.FromFolder(tokenizerDir);
        }
        finally { Directory.Delete(tokenizerDir, recursive: true); }
        var clipConfig = config.ClipFor(tokenizer);
        Seeding.SeedEverything(config.Seed);
        var vae = new AutoencoderKL(config.Vae);
        var text = new ClipTextModel(clipConfig.Text);
        text.eval();
        long side = config.ImageSize / config.Vae.DownsampleFactor;
        var latents = randn([data.Scenes.Length, config.Vae.LatentChannels, side, side]);
        latents.DetachFromDisposeScope();
        var schedule = new NoiseSchedule(new SchedulerConfig { ClassName = "DDPMScheduler", PredictionType = config.PredictionType });
        var unet = new UNet2DConditionModel(config.Unet);

        var stages = new List<(string Stage, nn.Module Model, ITrainingObjective<SceneBatch> Objective, int Batch)>
        {
            ("vae", vae, new VaeObjective(vae, data), config.VaeBatch),
        };
        var clip = new ClipModel(clipConfig);
        stages.Add(("clip", clip, new ClipObjective(clip, data, tokenizer), config.ClipBatch / 2));
        stages.Add(("unet", unet, new TextToImageObjective(unet, text, tokenizer, latents, data, schedule), config.UnetBatch));
        var editor = UNet2DConditionModel.WidenInput(unet, 2 * config.Vae.LatentChannels);
        stages.Add(("editor", editor, new EditorObjective(editor, text, tokenizer, latents, data, schedule, 1.0), config.EditorBatch));

        var results = new List<BenchResult>();
        foreach (var (stage, model, objective, batch) in stages)
        {
            model.train();
            var optimizer = optim.AdamW(model.parameters(), 1e-4, weight_decay: 1e-4);
            void Step(int i)
            {
                using var scope = NewDisposeScope();
                using var generator = Seeding.Generator(i);
                optimizer.zero_grad();
                objective.Loss(data.Batch(stage, i, batch), generator).Total.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
            var (seconds, peak) = MachineRates.BestOf(Step, repeats);
            var r = new BenchResult($"pretrain {stage} step, {label} (batch {batch})", seconds, peak, 0, 0);
            log?.Invoke($"{r.Name}: {r.Seconds:F3} s, peak RSS {r.PeakBytes / 1e9:F2} GB");
            results.Add(r);
        }
        return results;
    }
}
