using System.Text.Json;
using System.Text.Json.Nodes;
using Uip2p.Data;
using Uip2p.Tests.Cli;

namespace Uip2p.Tests.Training;

/// <summary>
/// From a public dataset to <c>uip2p train</c> and <c>uip2p eval run</c>, as a user runs them: real photographs
/// of their own sizes (one greyscale) imported from instruct-pix2pix's folder layout, reverse instructions by the
/// offline rules, and a tiny random diffusers InstructPix2Pix folder (no clip/, 8-channel unet/, VAE factor 4)
/// trained and edited at 32 and 48 px — not the world's 64.
/// </summary>
public class RealDataTrainingTests
{
    /// <summary>The records ready to train and evaluate: the 7 of 10 photographs whose edits the offline rules could reverse.</summary>
    const int Sessions = 7;

    // Every run uses one thread: the tiny models gain nothing from two, and on a busy machine LibTorch's two
    // spinning threads made the same runs 4-5 times slower.

    /// <summary>The imported sample and the model, made once and shared read-only.</summary>
    static readonly Lazy<string> Root = new(() =>
    {
        string root = Directory.CreateTempSubdirectory("uip2p-realdata-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        };
        string source = RealSample.WriteIp2pFolders(Path.Combine(root, "ip2p"));
        Ok(CliTests.Run("data", "import", "--from", "ip2p-folders", "--in", source, "--out", Path.Combine(root, "data")));
        var (_, reversed) = Ok(CliTests.Run("data", "reverse", "--data", Path.Combine(root, "data"), "--method", "rules"));
        Assert.Contains($"{Sessions} ready to train", reversed);
        RealSample.Model(Path.Combine(root, "model"));
        return root;
    });

    static string Data => Path.Combine(Root.Value, "data");

    static (int Code, string Output) Ok((int Code, string Output) run)
    {
        Assert.True(run.Code == 0, run.Output);
        return run;
    }

    /// <summary>A short run's config beside its data (relative paths, as a user writes them).</summary>
    static string WriteConfig(TempDir dir, string method, bool clip, int resolution)
    {
        var config = new JsonObject
        {
            ["method"] = method, ["components"] = Path.GetRelativePath(dir.Path, Path.Combine(Root.Value, "model")),
            ["data"] = Path.GetRelativePath(dir.Path, Data), ["resolution"] = resolution,
            ["steps"] = 2, ["batch_size"] = 2, ["warmup_steps"] = 1, ["validate_every"] = 2, ["validation_batches"] = 1,
            ["sample_every"] = 2, ["sample_count"] = 1, ["sample_steps"] = 2, ["checkpoint_every"] = 2, ["tensor_board"] = false,
        };
        if (clip)
        {
            config["clip"] = RealSample.Clip;
            config["clip_tokenizer"] = RealSample.ClipTokenizer;
        }
        string path = dir.File($"{method}.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    static List<JsonObject> Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    static void AssertTrained(string run, string validationTerm)
    {
        var lines = Metrics(run);
        Assert.Equal([1, 2], lines.Where(l => (string?)l["phase"] == "train").Select(l => (int)l["step"]!));
        foreach (var line in lines)
            foreach (var (key, value) in line.Where(kv => kv.Key.StartsWith("loss/", StringComparison.Ordinal) || kv.Key == "grad_norm"))
                Assert.True(double.IsFinite((double)value!), $"{key} = {value} in {line.ToJsonString()}");
        var validation = Assert.Single(lines, l => (string?)l["phase"] == "validation");
        Assert.NotNull(validation[validationTerm]);
        Assert.True(File.Exists(Path.Combine(run, "samples", "step-000002.png")));
        // The unet/ of an InstructPix2Pix folder already takes 8 channels: trained as it is, not widened again.
        using var unet = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "model", "unet", "config.json")));
        Assert.Equal(8, unet.RootElement.GetProperty("in_channels").GetInt32());
        Assert.True(File.Exists(Path.Combine(run, "model", "model_index.json")));
    }

    static JsonObject EvalRun(string model, string data, string output, int resolution)
    {
        var (_, text) = Ok(CliTests.Run("eval", "run", "--model", model, "--data", data, "--out", output, "--steps", "2", "--resolution", resolution.ToString(),
            "--clip", RealSample.Clip, "--tokenizer", RealSample.ClipTokenizer, "--dino", Path.Combine(TestPaths.Oracle, "dino-tiny"), "--threads", "1"));
        Assert.Contains("evaluated_metrics_dict", text);
        foreach (string session in Directory.GetDirectories(Path.Combine(output, "generated")))
            Assert.True(File.Exists(Path.Combine(session, Path.GetFileName(session) + "_1.png")), session);
        Assert.Equal(Sessions, Directory.GetDirectories(Path.Combine(output, "generated")).Length);
        Assert.True(File.Exists(Path.Combine(output, "pairs.csv")));
        return JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!.AsObject();
    }

    static double Finite(JsonNode? node, string what)
    {
        Assert.True(node is not null, $"{what} is null");
        double v = (double)node!;
        Assert.True(double.IsFinite(v), $"{what} = {v}");
        return v;
    }

    [Fact]
    public void Cec_trains_on_imported_photos_with_a_diffusers_model_and_a_separate_clip_then_eval_run_scores_every_metric()
    {
        using var dir = new TempDir();
        string run = dir.File("runs/cec");
        var (_, output) = Ok(CliTests.Run("train", "--config", WriteConfig(dir, "cec", clip: true, resolution: 32), "--out", run, "--threads", "1"));
        Assert.Contains("best validation L_CEC", output);
        AssertTrained(run, "loss/cec");

        var metrics = EvalRun(Path.Combine(run, "model"), Data, dir.File("eval"), resolution: 32);
        var all = metrics["evaluated_metrics_dict"]!["all_turn"]!;
        foreach (string key in new[] { "l1", "l2", "clip-i", "dino", "clip-t", "clip-t_oracle" }) Finite(all[key], key);
        foreach (string key in new[] { "sim_0", "sim_1", "sim_direction", "sim_image" }) Finite(metrics["ip2p_clip_similarity"]!["all_turn"]![key], key);
        Assert.Equal(Sessions, (int)metrics["pairs"]!["all_turn"]!);
    }

    [Fact]
    public void Supervised_trains_without_any_clip_and_eval_run_on_records_without_ground_truth_reports_those_metrics_absent()
    {
        using var dir = new TempDir();
        string run = dir.File("runs/supervised");
        var (_, output) = Ok(CliTests.Run("train", "--config", WriteConfig(dir, "supervised", clip: false, resolution: 48), "--out", run, "--threads", "1"));
        // No CLIP, so the best checkpoint is chosen by the supervised loss on the validation split.
        Assert.Contains("best validation L_DDPM", output);
        AssertTrained(run, "loss/ddpm");

        // The same records as CEC data has them: no edited image.
        string noTruth = Directory.CreateDirectory(dir.File("no-truth")).FullName;
        foreach (string file in Directory.GetFiles(Path.Combine(Data, "images"), "*-input.*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(noTruth, Path.GetRelativePath(Data, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        File.WriteAllLines(Path.Combine(noTruth, "records.jsonl"), File.ReadAllLines(Path.Combine(Data, "records.jsonl")).Select(l =>
        {
            var record = JsonNode.Parse(l)!.AsObject();
            record.Remove("edited_image");
            return record.ToJsonString();
        }));
        var metrics = EvalRun(Path.Combine(run, "model"), noTruth, dir.File("eval"), resolution: 48);
        var all = metrics["evaluated_metrics_dict"]!["all_turn"]!;
        foreach (string key in new[] { "l1", "l2", "clip-i", "dino", "clip-t_oracle" }) Assert.Null(all[key]);
        Finite(all["clip-t"], "clip-t");
        Finite(metrics["ip2p_clip_similarity"]!["all_turn"]!["sim_direction"], "sim_direction");
        Assert.Contains(metrics["missing"]!.AsArray(), m => ((string)m!).Contains($"{Sessions} of {Sessions} single-turn pairs have no ground-truth image"));
    }

    [Fact]
    public void Cec_without_a_clip_and_a_resolution_off_the_vae_factor_are_clear_errors_before_any_weights_load()
    {
        using var dir = new TempDir();
        string config = WriteConfig(dir, "cec", clip: false, resolution: 48);
        var (code, output) = CliTests.Run("train", "--config", config, "--out", dir.File("runs/a"));
        Assert.Equal(2, code);
        Assert.Contains("error: CEC needs a CLIP model for L_CLIP and L_sim, and there is none: ", output);
        Assert.Contains("has no clip/ and the config sets no 'clip'", output);
        Assert.False(Directory.Exists(dir.File("runs/a")));

        (code, output) = CliTests.Run("train", "--config", config, "--out", dir.File("runs/b"), "--set", "resolution=50", "--set", "method=supervised");
        Assert.Equal(2, code);
        Assert.Contains("error: 'resolution' 50 is not a multiple of 4, the downsampling factor of", output);
        Assert.Contains("use 48 or 52", output);
        Assert.False(Directory.Exists(dir.File("runs/b")));
    }

    [Fact]
    public void Photos_of_any_size_batch_as_centre_crops_at_the_resolution_with_or_without_the_image_cache()
    {
        var dataset = new EditDataset(Data);
        var records = dataset.ReadAll();
        var cached = new EditBatches(dataset, records, seed: 0, resolution: 48);
        var uncached = new EditBatches(dataset, records, seed: 0, resolution: 48) { CacheBytes = 0 };
        using var a = cached.Of(records);
        using var again = cached.Of(records);
        using var b = uncached.Of(records);
        Assert.Equal(new long[] { Sessions, 3, 48, 48 }, a.Inputs.shape);
        Assert.Equal(new long[] { Sessions, 3, 48, 48 }, a.EditedImages!.shape);
        Assert.Null(a.Masks);
        Assert.True(a.Inputs.equal(b.Inputs).all().item<bool>() && a.Inputs.equal(again.Inputs).all().item<bool>());
        Assert.True(a.EditedImages.equal(b.EditedImages!).all().item<bool>());
        // The greyscale photograph comes in as three equal channels.
        int grey = records.FindIndex(r => r.Id == "ip2p-101999-7");
        Assert.True(grey >= 0);
        var g = a.Inputs[grey];
        Assert.True((g[0] - g[1]).abs().max().item<float>() < 1e-6f && (g[1] - g[2]).abs().max().item<float>() < 1e-6f);
    }

    [Theory]
    [InlineData("cec-sd15.json", "L_CEC")]
    [InlineData("supervised-sd15.json", "L_DDPM")]
    public void The_sd15_example_configs_run_as_written_with_tiny_stand_ins_for_their_folders(string name, string validation)
    {
        string path = Path.Combine(TestPaths.Repo, "configs", name);
        var config = Uip2p.Training.TrainConfig.Load(path);
        Assert.Equal(256, config.Resolution);
        Assert.Equal(Path.GetFullPath(Path.Combine(TestPaths.Repo, "models", "instruct-pix2pix")), config.Components);
        using var dir = new TempDir();
        string[] standIns =
        [
            "--set", $"components={Path.Combine(Root.Value, "model")}", "--set", $"data={Data}", "--set", "resolution=32",
            "--set", "steps=1", "--set", "batch_size=2", "--set", "gradient_accumulation=2", "--set", "validation_batches=1", "--set", "sample_steps=1",
        ];
        if (config.Clip != null) standIns = [.. standIns, "--set", $"clip={RealSample.Clip}", "--set", $"clip_tokenizer={RealSample.ClipTokenizer}"];
        var (_, output) = Ok(CliTests.Run(["train", "--config", path, "--out", dir.File("run"), "--threads", "1", .. standIns]));
        Assert.Contains($"best validation {validation}", output);
        Assert.True(File.Exists(dir.File("run/model/model_index.json")));
    }
}
