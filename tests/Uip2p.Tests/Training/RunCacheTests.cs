using Uip2p.Experiments;
using Uip2p.Training;

namespace Uip2p.Tests.Training;

public class RunCacheTests
{
    [Fact]
    public void A_finished_run_is_kept_an_interrupted_one_resumes_and_other_settings_are_refused()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        var config = TinyWorld.Config(steps: 4) with { TensorBoard = false, CheckpointEvery = 2, ValidateEvery = 100 };
        Assert.Equal(RunState.New, RunCache.Inspect(config, run));

        // Interrupted after its first checkpoint: the cache resumes it rather than starting over.
        using (var stop = new CancellationTokenSource())
        {
            var trainer = new Trainer(config, run) { Progress = p => { if (p.Step >= 2) stop.Cancel(); } };
            Assert.True(trainer.Run(stop: stop.Token).Interrupted);
        }
        Assert.Equal(RunState.Resumable, RunCache.Inspect(config, run));
        string model = RunCache.Ensure(config, run);
        Assert.True(File.Exists(Path.Combine(model, "model_index.json")));
        var steps = TrainingLog.Read(Path.Combine(run, "metrics.jsonl")).Where(l => l.Phase == "train").Select(l => l.Step).ToList();
        Assert.Equal([1, 2, 3, 4], steps);

        // Finished: the same settings reuse it without training.
        var written = File.GetLastWriteTimeUtc(Path.Combine(model, "unet", "diffusion_pytorch_model.safetensors"));
        Assert.Equal(RunState.Finished, RunCache.Inspect(config, run));
        Assert.Equal(model, RunCache.Ensure(config, run, _ => throw new InvalidOperationException("trained again")));
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(model, "unet", "diffusion_pytorch_model.safetensors")));
        // Logging settings may differ; weights-changing ones may not.
        Assert.Equal(RunState.Finished, RunCache.Inspect(config with { LogEvery = 3 }, run));
        var e = Assert.Throws<InvalidOperationException>(() => RunCache.Ensure(config with { LearningRate = 0.5 }, run));
        Assert.Contains("'learning_rate'", e.Message);
        Assert.Contains(run, e.Message);
        Assert.False(Directory.Exists(model + ".partial"));

        // A run saved before a setting existed was trained with its default: still the same run, unless the setting changes.
        string saved = Path.Combine(run, "config.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(saved))!.AsObject();
        json["cec"]!.AsObject().Remove("clip_views");
        File.WriteAllText(saved, json.ToJsonString());
        Assert.Equal(RunState.Finished, RunCache.Inspect(config, run));
        Assert.Contains("'cec.clip_views'", Assert.Throws<InvalidOperationException>(() =>
            RunCache.Inspect(config with { Cec = config.Cec with { ClipViews = 4 } }, run)).Message);
    }
}
