using System.Text.Json.Nodes;
using TorchSharp;
using Uip2p.Checkpoints;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>What a checkpoint holds besides tensors: enough for a bit-exact resume on CPU.</summary>
public sealed record TrainingState(int Step, long DataPosition, double? BestValidation, int? BestStep, string TorchRngState)
{
    public JsonObject ToJson() => new()
    {
        ["step"] = Step, ["data_position"] = DataPosition,
        ["best_validation"] = BestValidation is { } b && double.IsFinite(b) ? b : null, ["best_step"] = BestStep,
        ["torch_rng_state"] = TorchRngState,
    };

    public static TrainingState FromJson(JsonNode node, string source)
    {
        try
        {
            return new TrainingState(node["step"]!.GetValue<int>(), node["data_position"]!.GetValue<long>(),
                node["best_validation"]?.GetValue<double>(), node["best_step"]?.GetValue<int>(), node["torch_rng_state"]!.GetValue<string>());
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: not a training state (step, data_position, torch_rng_state).", e);
        }
    }
}

/// <summary>A loaded checkpoint.</summary>
public sealed record Checkpoint(string Folder, TrainingState State, Dictionary<string, Tensor> Weights, Dictionary<string, Tensor>? EmaWeights, string OptimizerPath);

/// <summary>
/// Checkpoints of a training run under <c>OUT/checkpoints/</c>: one folder per step (<c>step-000050/</c>:
/// <c>unet.safetensors</c>, <c>ema.safetensors</c>, <c>optimizer.bin</c>, <c>state.json</c>), written into a
/// temporary folder and renamed into place only when complete. The <c>latest</c> and <c>best</c> pointer files
/// are replaced atomically after that, so they never name a half-written checkpoint; a crash at any moment
/// leaves the previous checkpoint loadable.
/// </summary>
public sealed class CheckpointStore(string folder)
{
    public string Folder { get; } = folder;

    /// <summary>The model's weights file in each checkpoint: <c>unet.safetensors</c> for editing runs, <c>model.safetensors</c> for a pretraining stage's VAE or CLIP.</summary>
    public string ModelFile { get; init; } = "unet.safetensors";

    /// <summary>Called after each file of a checkpoint is written (before the folder is renamed into place): progress, or fault injection in tests.</summary>
    public Action<string>? OnFileWritten { get; init; }

    public static string Name(int step) => $"step-{step:D6}";

    public string? Latest => ReadPointer("latest");
    public string? Best => ReadPointer("best");

    string? ReadPointer(string name)
    {
        string path = Path.Combine(Folder, name);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    /// <summary>Writes a checkpoint and points <c>latest</c> (and <c>best</c> when <paramref name="isBest"/>) at it; prunes old ones.</summary>
    public string Save(TrainingState state, nn.Module unet, TorchSharp.Modules.OptimizerHelper optimizer, Ema? ema, bool isBest, int keep)
    {
        Directory.CreateDirectory(Folder);
        string name = Name(state.Step), final = Path.Combine(Folder, name);
        string temp = Path.Combine(Folder, $".{name}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            void Written(string file) => OnFileWritten?.Invoke(Path.Combine(temp, file));
            SafetensorsFile.Save(Path.Combine(temp, ModelFile), unet.state_dict());
            Written(ModelFile);
            if (ema != null)
            {
                SafetensorsFile.Save(Path.Combine(temp, "ema.safetensors"), ema.State.ToDictionary());
                Written("ema.safetensors");
            }
            AtomicFile.Write(Path.Combine(temp, "optimizer.bin"), s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); optimizer.save_state_dict(w); });
            Written("optimizer.bin");
            AtomicFile.WriteAllText(Path.Combine(temp, "state.json"), state.ToJson().ToJsonString());
            Written("state.json");
            // A folder of this name can only be a complete checkpoint of an earlier attempt past our resume point.
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
        }
        catch
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
        AtomicFile.WriteAllText(Path.Combine(Folder, "latest"), name);
        if (isBest) AtomicFile.WriteAllText(Path.Combine(Folder, "best"), name);
        Prune(keep);
        return name;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints (never latest or best) and stray partial folders.</summary>
    void Prune(int keep)
    {
        var protectedNames = new HashSet<string?> { Latest, Best };
        var steps = Directory.GetDirectories(Folder, "step-*").Select(Path.GetFileName).OrderByDescending(n => n, StringComparer.Ordinal).ToList();
        foreach (string? n in steps.Skip(Math.Max(1, keep)))
            if (!protectedNames.Contains(n)) Directory.Delete(Path.Combine(Folder, n!), recursive: true);
        foreach (string partial in Directory.GetDirectories(Folder, ".step-*.partial-*"))
            try { Directory.Delete(partial, recursive: true); } catch (IOException) { }
    }

    /// <summary>Loads the checkpoint <c>latest</c> names (null when there is none).</summary>
    public Checkpoint? LoadLatest() => Latest is { } name ? Load(name) : null;

    public Checkpoint Load(string name)
    {
        string dir = Path.Combine(Folder, name);
        foreach (string f in new[] { ModelFile, "optimizer.bin", "state.json" })
            if (!File.Exists(Path.Combine(dir, f))) throw new FileNotFoundException($"Checkpoint {dir} has no {f}.", Path.Combine(dir, f));
        string statePath = Path.Combine(dir, "state.json");
        JsonNode node;
        try { node = JsonNode.Parse(File.ReadAllText(statePath)) ?? throw new InvalidDataException($"{statePath}: empty."); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{statePath}: not valid JSON ({e.Message}).", e); }
        string ema = Path.Combine(dir, "ema.safetensors");
        return new Checkpoint(dir, TrainingState.FromJson(node, statePath), SafetensorsFile.Load(Path.Combine(dir, ModelFile)),
            File.Exists(ema) ? SafetensorsFile.Load(ema) : null, Path.Combine(dir, "optimizer.bin"));
    }

    /// <summary>torch's global CPU generator state as text (for state.json).</summary>
    public static string SaveRng()
    {
        using var state = torch.get_rng_state();
        return Convert.ToBase64String(state.data<byte>().ToArray());
    }

    public static void RestoreRng(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        using var state = torch.tensor(bytes, dtype: ScalarType.Byte);
        torch.set_rng_state(state);
    }
}
