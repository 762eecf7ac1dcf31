using Uip2p.World.Pretraining;
using Uip2p.Models.Clip;
using Uip2p.Pipelines;
using Uip2p.Text;
using Uip2p.Training;

namespace Uip2p.Tests.Training;

/// <summary>The pretraining stages on a few steps: the folder they write loads with the real loaders, and a crashed run resumes.</summary>
public class PretrainingTests
{
    static PretrainConfig Tiny => new()
    {
        Scenes = 64, VaeSteps = 4, VaeBatch = 4, ClipSteps = 8, ClipBatch = 8, UnetSteps = 4, UnetBatch = 4, EditorSteps = 2, EditorBatch = 4, CheckpointEvery = 2,
    };

    sealed class Crash : Exception;

    [Fact]
    public void A_crashed_run_resumes_and_writes_a_loadable_diffusers_folder()
    {
        using var dir = new TempDir();
        var events = new List<string>();
        // Crash in the CLIP stage after its step-6 checkpoint.
        Assert.Throws<Crash>(() => new WorldPretraining(Tiny, dir.Path, (stage, step, total, info) =>
        {
            events.Add($"{stage} {step} {info}");
            if (stage == "clip" && step == 7) throw new Crash();
        }).Run());
        Assert.False(File.Exists(Path.Combine(dir.Path, "model_index.json")));
        events.Clear();
        new WorldPretraining(Tiny, dir.Path, (stage, step, total, info) => events.Add($"{stage} {step} {info}")).Run();
        Assert.Contains("vae 1 already trained", events);
        Assert.Contains(events, e => e.StartsWith("clip 6 ", StringComparison.Ordinal) && e.Contains("resumed at step 6"));

        foreach (string sub in new[] { "vae", "clip", "text_encoder", "tokenizer", "unet", "scheduler", "editor" })
            Assert.True(Directory.Exists(Path.Combine(dir.Path, sub)), sub);
        Assert.True(File.Exists(Path.Combine(dir.Path, "model_index.json")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "pretrain.json")));
        // Every stage's training time is recorded, also those finished before the crash.
        var seconds = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "pretrain.json")))!["seconds"]!.AsObject();
        Assert.Equal(["vae", "clip", "unet", "editor"], seconds.Select(kv => kv.Key));
        var vae = DiffusersFolder.LoadVae(Path.Combine(dir.Path, "vae"));
        Assert.Equal(4, vae.Config.DownsampleFactor);   // 64×64 → 16×16×4 latents
        Assert.Equal("v_prediction", DiffusersFolder.LoadSchedulerConfig(Path.Combine(dir.Path, "scheduler")).PredictionType);
        Assert.NotEqual(0.18215, vae.Config.ScalingFactor); // measured from the latents
        var unet = DiffusersFolder.LoadUNet(Path.Combine(dir.Path, "unet"));
        Assert.Equal(4, unet.Config.InChannels);
        Assert.Equal(16, unet.Config.SampleSize);
        Assert.Equal(8, DiffusersFolder.LoadUNet(Path.Combine(dir.Path, "editor")).Config.InChannels);
        var clip = ClipCheckpoints.LoadModel(Path.Combine(dir.Path, "clip"));
        var tokenizer = ClipTokenizer.FromFolder(Path.Combine(dir.Path, "tokenizer"));
        Assert.Equal(tokenizer.VocabularySize, clip.Config.Text.VocabSize);
        ClipCheckpoints.LoadTextModel(Path.Combine(dir.Path, "text_encoder"));
    }

    [Fact]
    public void Settings_are_overridden_by_snake_case_key_and_bad_ones_are_named()
    {
        var config = new PretrainConfig().With(["vae_steps=7", "vae_max_objects=null", "vae_latent_noise=0.1", "seed=3"]);
        Assert.Equal(7, config.VaeSteps);
        Assert.Null(config.VaeMaxObjects);
        Assert.Equal(0.1, config.VaeLatentNoise);
        Assert.Equal(3, config.Seed);
        Assert.Equal(new PretrainConfig().ClipSteps, config.ClipSteps);
        Assert.Contains("'vae_stepz' is not a setting (did you mean 'vae_steps'?)", Assert.Throws<ArgumentException>(() => new PretrainConfig().With(["vae_stepz=3"])).Message);
        Assert.Contains("'vae_steps' takes an integer, not 2.5", Assert.Throws<InvalidDataException>(() => new PretrainConfig().With(["vae_steps=2.5"])).Message);
        Assert.Contains("'unet_batch' takes an integer, not null", Assert.Throws<InvalidDataException>(() => new PretrainConfig().With(["unet_batch=null"])).Message);
        Assert.Contains("expected key=value", Assert.Throws<ArgumentException>(() => new PretrainConfig().With(["vae_steps"])).Message);
    }

    [Fact]
    public void A_resumed_run_reproduces_an_uninterrupted_one_bit_for_bit()
    {
        using var whole = new TempDir();
        using var resumed = new TempDir();
        new WorldPretraining(Tiny, whole.Path).Run();
        // Crash in the middle of the UNet stage, between checkpoints (step 3 of 4, after the step-2 checkpoint).
        Assert.Throws<Crash>(() => new WorldPretraining(Tiny, resumed.Path, (stage, step, _, _) =>
        {
            if (stage == "unet" && step == 3) throw new Crash();
        }).Run());
        new WorldPretraining(Tiny, resumed.Path).Run();
        foreach (string file in new[] { "vae/diffusion_pytorch_model.safetensors", "clip/model.safetensors", "text_encoder/model.safetensors",
                     "unet/diffusion_pytorch_model.safetensors", "editor/diffusion_pytorch_model.safetensors" })
        {
            var a = Uip2p.Checkpoints.SafetensorsFile.Load(Path.Combine(whole.Path, file));
            var b = Uip2p.Checkpoints.SafetensorsFile.Load(Path.Combine(resumed.Path, file));
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            Assert.All(a, kv => Assert.True(kv.Value.eq(b[kv.Key]).all().item<bool>(), $"{file}: {kv.Key} differs"));
        }
        // The step checkpoints live in the workbench's one checkpoint layout, one folder per stage.
        Assert.True(File.Exists(Path.Combine(whole.Path, "checkpoints", "unet", "step-000004", "model.safetensors")));
        Assert.Equal("step-000004", File.ReadAllText(Path.Combine(whole.Path, "checkpoints", "unet", "latest")).Trim());
    }
}
