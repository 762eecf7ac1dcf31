using System.Diagnostics;
using System.Text.Json.Nodes;
using Uip2p.Checkpoints;
using Uip2p.Data;
using Uip2p.Objectives;
using Uip2p.Tests.Cli;
using Uip2p.Training;
using static TorchSharp.torch;

namespace Uip2p.Tests.Training;

/// <summary>The trainer as users run it: resume after a real kill, atomic checkpoints, the non-finite guard, configs, logs.</summary>
public class TrainerTests
{
    static List<(int Step, string Phase, Dictionary<string, double> Values)> Log(string run) =>
        TrainingLog.Read(Path.Combine(run, "metrics.jsonl"));

    static string WriteConfig(TempDir dir, TrainConfig config)
    {
        string path = dir.File("train.json");
        File.WriteAllText(path, config.ToJson());
        return path;
    }

    [Fact]
    public void A_killed_run_resumes_to_the_same_losses_at_the_same_steps()
    {
        using var dir = new TempDir();
        string config = WriteConfig(dir, TinyWorld.Config(steps: 12) with { TensorBoard = false, ValidateEvery = 6, CheckpointEvery = 4 });
        string whole = dir.File("whole"), killed = dir.File("killed");
        var (code, output) = CliTests.Run("train", "--config", config, "--out", whole, "--threads", "1");
        Assert.True(code == 0, output);

        // A real child process, killed once it has written a checkpoint and logged a step past it (3 steps
        // of window before the next checkpoint, so a busy test machine still catches it mid-run).
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { TestPaths.CliDll, "train", "--config", config, "--out", killed, "--threads", "1" }) psi.ArgumentList.Add(arg);
        int checkpointStep;
        using (var child = Process.Start(psi)!)
        {
            child.OutputDataReceived += (_, _) => { };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            string latest = Path.Combine(killed, "checkpoints", "latest"), metrics = Path.Combine(killed, "metrics.jsonl");
            while (true)
            {
                if (File.Exists(latest) && File.Exists(metrics))
                {
                    checkpointStep = int.Parse(File.ReadAllText(latest).Trim()["step-".Length..]);
                    if (checkpointStep < 12 && Log(killed).Any(l => l.Step > checkpointStep)) break;
                }
                Assert.False(child.HasExited, "the run ended before it could be killed");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the run did not reach its first checkpoint");
                Thread.Sleep(10);
            }
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(killed, "model", "model_index.json")));

        (code, output) = CliTests.Run("train", "--config", config, "--out", killed, "--resume", "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Matches(@"resumed from step-0000(04|08)", output);
        var a = Log(whole);
        var b = Log(killed);
        Assert.Equal(a.Select(l => (l.Step, l.Phase)), b.Select(l => (l.Step, l.Phase)));
        foreach (var (x, y) in a.Zip(b))
            foreach (var term in x.Values.Keys.Where(k => k.StartsWith("loss/", StringComparison.Ordinal)))
                Assert.True(x.Values[term] == y.Values[term], $"step {x.Step} {x.Phase} {term}: {x.Values[term]:R} vs {y.Values[term]:R}");
        // The final weights are bit-identical too.
        var wa = SafetensorsFile.Load(Path.Combine(whole, "model", "unet", "diffusion_pytorch_model.safetensors"));
        var wb = SafetensorsFile.Load(Path.Combine(killed, "model", "unet", "diffusion_pytorch_model.safetensors"));
        foreach (var (k, t) in wa) Assert.True(t.eq(wb[k]).all().item<bool>(), k);
    }

    sealed class DiskFull : IOException { public DiskFull() : base("disk full (simulated)") { } }

    [Fact]
    public void A_crash_while_writing_a_checkpoint_leaves_the_previous_one_loadable()
    {
        using var dir = new TempDir();
        var unet = new Uip2p.Models.Diffusion.UNet2DConditionModel(Uip2p.Pipelines.TinyPipeline.UNetConfig);
        var optimizer = optim.AdamW(unet.parameters(), 1e-3);
        var store = new CheckpointStore(dir.File("checkpoints"));
        store.Save(new TrainingState(2, 8, null, null, CheckpointStore.SaveRng()), unet, optimizer, null, isBest: false, keep: 2);
        using (no_grad()) foreach (var p in unet.parameters()) p.add_(1);

        var failing = new CheckpointStore(dir.File("checkpoints")) { OnFileWritten = f => { if (f.EndsWith("optimizer.bin", StringComparison.Ordinal)) throw new DiskFull(); } };
        Assert.Throws<DiskFull>(() => failing.Save(new TrainingState(4, 16, null, null, CheckpointStore.SaveRng()), unet, optimizer, null, isBest: false, keep: 2));

        Assert.Equal("step-000002", store.Latest);
        var checkpoint = store.LoadLatest()!;
        Assert.Equal(2, checkpoint.State.Step);
        Assert.Equal(8, checkpoint.State.DataPosition);
        Assert.False(Directory.Exists(dir.File("checkpoints/step-000004")));
        Assert.Empty(Directory.GetDirectories(dir.File("checkpoints"), ".step-*"));
        // The weights are the ones saved at step 2, not the changed ones.
        var saved = checkpoint.Weights["conv_in.weight"];
        Assert.False(saved.eq(unet.state_dict()["conv_in.weight"]).all().item<bool>());
    }

    [Fact]
    public void A_non_finite_loss_stops_the_run_naming_step_records_and_term()
    {
        using var dir = new TempDir();
        var trainer = new Trainer(TinyWorld.Config(steps: 6) with { TensorBoard = false, ValidateEvery = 100 }, dir.File("run"))
        {
            // Poison the UNet after step 3: step 4's loss is NaN.
            AfterStep = (step, unet) => { if (step == 3) using (no_grad()) unet.state_dict()["conv_out.bias"].fill_(double.NaN); },
        };
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Run());
        Assert.Equal(4, e.Step);
        Assert.StartsWith("loss/", e.Term);
        Assert.Equal(2, e.Ids.Count);
        Assert.Contains("step 4: loss/", e.Message);
        Assert.Contains(e.Ids[0], e.Message);
        Assert.Contains("step-000002", e.Message);
        var checkpoint = trainer.Checkpoints.LoadLatest()!;
        Assert.Equal(2, checkpoint.State.Step);
        Assert.All(checkpoint.Weights.Values, t => Assert.True(t.isfinite().all().item<bool>()));
    }

    [Fact]
    public void A_supervised_run_logs_validates_samples_and_exports_a_pipeline()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        var result = new Trainer(TinyWorld.Config(TrainMethod.Supervised, steps: 4) with { EmaDecay = 0.9, SampleEvery = 4 }, run).Run();
        var log = Log(run);
        Assert.Equal(4, log.Count(l => l.Phase == "train" && l.Values.ContainsKey("loss/ddpm")));
        Assert.Equal((byte)'{', File.ReadAllBytes(Path.Combine(run, "metrics.jsonl"))[0]);   // plain JSONL, no byte-order mark
        Assert.Contains(log, l => l.Phase == "validation" && l.Values.ContainsKey("loss/cec"));
        Assert.True(File.Exists(Path.Combine(run, "samples", "step-000004.png")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "tensorboard"), "events.out.tfevents.*", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-000004", "ema.safetensors")));
        var pipeline = Uip2p.Pipelines.InstructPix2PixPipeline.Load(result.ModelFolder);
        Assert.Equal(8, pipeline.Unet.Config.InChannels);
        Assert.NotNull(result.BestCheckpoint);
    }

    [Fact]
    public void Starting_over_a_finished_run_is_refused_without_resume()
    {
        using var dir = new TempDir();
        new Trainer(TinyWorld.Config(steps: 2) with { TensorBoard = false }, dir.File("run")).Run();
        var e = Assert.Throws<InvalidOperationException>(() => new Trainer(TinyWorld.Config(steps: 2), dir.File("run")).Run());
        Assert.Contains("--resume", e.Message);
    }

    [Fact]
    public void A_malformed_record_stops_training_naming_the_line()
    {
        using var dir = new TempDir();
        string data = dir.File("data");
        Uip2p.World.WorldDataset.Write(data, 4, seed: 1);
        var lines = File.ReadAllLines(Path.Combine(data, "records.jsonl"));
        var record = JsonNode.Parse(lines[2])!.AsObject();
        record.Remove("reverse_instruction");
        lines[2] = record.ToJsonString();
        File.WriteAllLines(Path.Combine(data, "records.jsonl"), lines);
        var e = Assert.Throws<DatasetRecordException>(() => new Trainer(TinyWorld.Config() with { Data = data }, dir.File("run")).Run());
        Assert.Equal(3, e.Line);
        Assert.Contains("reverse_instruction", e.Message);
    }

    [Fact]
    public void Configs_name_bad_keys_lines_and_values_and_take_overrides()
    {
        using var dir = new TempDir();
        string path = WriteConfig(dir, TinyWorld.Config());
        var config = TrainConfig.Load(path, ["steps=17", "cec.weights.attention=0", "method=supervised", "cec.forward_start=pure_noise"]);
        Assert.Equal(17, config.Steps);
        Assert.Equal(0, config.Cec.Weights.Attention);
        Assert.Equal(1.0, config.Cec.Weights.Clip);
        Assert.Equal(TrainMethod.Supervised, config.Method);
        Assert.Equal(Uip2p.Cec.ForwardStart.PureNoise, config.Cec.ForwardStart);

        File.WriteAllText(path, "{\n  \"steps\": 10,\n  \"batch_size\": ,\n}");
        Assert.Contains("line 3", Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path)).Message);
        File.WriteAllText(path, "{ \"components\": \"c\", \"data\": \"d\", \"stepz\": 10 }");
        Assert.Contains("stepz", Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path)).Message);
        File.WriteAllText(path, "{ \"components\": \"c\", \"data\": \"d\", \"steps\": \"many\" }");
        Assert.Contains("steps", Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path)).Message);
        File.WriteAllText(path, "{ \"components\": \"c\", \"data\": \"d\", \"learning_rate\": -1 }");
        Assert.Contains("learning_rate", Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path)).Message);
        File.WriteAllText(path, "{ \"components\": \"c\", \"data\": \"d\", \"cec\": { \"clip_views\": 0 } }");
        Assert.Contains("cec.clip_views", Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path)).Message);
        Assert.Equal(4, TrainConfig.Load(WriteConfig(dir, TinyWorld.Config()), ["cec.clip_views=4"]).Cec.ClipViews);
        Assert.Contains("key=value", Assert.Throws<ArgumentException>(() => TrainConfig.Load(WriteConfig(dir, TinyWorld.Config()), ["steps"])).Message);
    }

    [Fact]
    public void Conditioning_dropout_follows_ip2p()
    {
        Assert.Equal((true, false), ConditioningDropout.Draw(0.01, 0.05));
        Assert.Equal((true, true), ConditioningDropout.Draw(0.07, 0.05));
        Assert.Equal((false, true), ConditioningDropout.Draw(0.12, 0.05));
        Assert.Equal((false, false), ConditioningDropout.Draw(0.2, 0.05));
    }
}

public class ExampleConfigTests
{
    [Theory]
    [InlineData("cec-world.json", TrainMethod.Cec)]
    [InlineData("supervised-world.json", TrainMethod.Supervised)]
    public void The_example_configs_load(string name, TrainMethod method)
    {
        var config = TrainConfig.Load(Path.Combine(TestPaths.Repo, "configs", name));
        Assert.Equal(method, config.Method);
        Assert.Equal(Path.Combine(TestPaths.Repo, "data", "world"), config.Components);
        Assert.True(Directory.Exists(Path.Combine(config.Components, "editor")));
    }
}
