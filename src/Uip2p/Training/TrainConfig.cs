using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Uip2p.Cec;
using Uip2p.IO;
using Uip2p.Pipelines;

namespace Uip2p.Training;

/// <summary>What a training run optimises.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainMethod>))]
public enum TrainMethod
{
    /// <summary>Cycle Edit Consistency (UIP2P): no ground-truth edited images.</summary>
    Cec,
    /// <summary>InstructPix2Pix's supervised DDPM objective on ground-truth edited images.</summary>
    Supervised,
}

/// <summary>
/// A training run, as a JSON file (snake_case keys; unknown keys are an error) that <c>uip2p train --set
/// key=value</c> overrides key by key (dotted paths reach nested objects: <c>cec.weights.attention=0</c>).
/// Paths are relative to the config file.
/// </summary>
public sealed record TrainConfig
{
    public TrainMethod Method { get; init; } = TrainMethod.Cec;
    /// <summary>Components folder: vae/, text_encoder/, tokenizer/, scheduler/, editor/ or unet/, optionally clip/ (a diffusers InstructPix2Pix or Stable Diffusion folder is one; see <see cref="EditingComponents"/>).</summary>
    public string Components { get; init; } = "";
    /// <summary>CLIP folder of the CEC losses when the components have no clip/ (diffusers folders have none); CEC needs one, supervised training none.</summary>
    public string? Clip { get; init; }
    /// <summary>Tokenizer of that CLIP (folder with vocab.json + merges.txt, or openai's bpe_simple_vocab_16e6.txt.gz); null: the CLIP folder's own, else the components' tokenizer/.</summary>
    public string? ClipTokenizer { get; init; }
    /// <summary>Subfolder of <see cref="Components"/> the trained UNet starts from (null: editor/ if present, else unet/ widened).</summary>
    public string? InitUnet { get; init; }
    /// <summary>Dataset folder (records.jsonl + images).</summary>
    public string Data { get; init; } = "";
    /// <summary>Separate validation dataset; null: <see cref="ValidationFraction"/> of <see cref="Data"/>, chosen by record id.</summary>
    public string? ValidationData { get; init; }
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Image side the data is centre-cropped and resized to; a multiple of the VAE's factor (64 for the world; 256 or 512 for SD 1.5).</summary>
    public int Resolution { get; init; } = 64;

    public int Seed { get; init; } = 0;
    public int Steps { get; init; } = 200;
    public int BatchSize { get; init; } = 8;
    public int GradientAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-4;
    public int WarmupSteps { get; init; } = 20;
    /// <summary><c>cosine</c> (to 0 after warm-up) or <c>constant</c>.</summary>
    public string Schedule { get; init; } = "cosine";
    public double WeightDecay { get; init; } = 1e-2;
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>EMA decay of the UNet weights (null: no EMA). The EMA weights are what gets exported.</summary>
    public double? EmaDecay { get; init; }
    /// <summary>IP2P conditioning dropout p for the supervised method (CEC's is <c>cec.conditioning_dropout</c>).</summary>
    public double ConditioningDropout { get; init; } = 0.05;
    public CecOptions Cec { get; init; } = new();

    public int LogEvery { get; init; } = 1;
    public int ValidateEvery { get; init; } = 50;
    public int ValidationBatches { get; init; } = 2;
    public int SampleEvery { get; init; } = 100;
    public int SampleCount { get; init; } = 4;
    public int SampleSteps { get; init; } = 10;
    /// <summary>Strength of the sample edits (1: from noise, as IP2P; below 1: SDEdit-style from the noised input).</summary>
    public double SampleStrength { get; init; } = 1.0;
    public int CheckpointEvery { get; init; } = 50;
    /// <summary>Checkpoints kept besides the best one.</summary>
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>Write TensorBoard event files (besides metrics.jsonl).</summary>
    public bool TensorBoard { get; init; } = true;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// Reads a config file, applies <c>key=value</c> overrides, resolves paths against the file's folder and validates.
    /// <paramref name="option"/> names where the overrides came from in error messages (<c>--set</c>, <c>--vary</c>, …).
    /// </summary>
    public static TrainConfig Load(string path, IEnumerable<string>? overrides = null, string option = "--set")
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such config file.", path);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}: {e.Message.Split(". ")[0]}).", e);
        }
        if (node is not JsonObject root) throw new InvalidDataException($"{path}: the config must be a JSON object.");
        JsonSettings.Validate(root, typeof(TrainConfig), path);
        foreach (string o in overrides ?? []) JsonSettings.Override(root, o, typeof(TrainConfig), option);
        JsonSettings.Validate(root, typeof(TrainConfig), (overrides ?? []).Any() ? $"{path} with {option}" : path);
        var config = FromJson(root, path);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string Resolve(string p) => p.Length == 0 ? p : Path.GetFullPath(Path.Combine(folder, p));
        return (config with
        {
            Components = Resolve(config.Components),
            Clip = config.Clip is null ? null : Resolve(config.Clip),
            ClipTokenizer = config.ClipTokenizer is null ? null : Resolve(config.ClipTokenizer),
            Data = Resolve(config.Data),
            ValidationData = config.ValidationData is null ? null : Resolve(config.ValidationData),
        }).Validated(path);
    }

    /// <summary>Deserialises a config object, naming the source and key of a bad value.</summary>
    public static TrainConfig FromJson(JsonObject root, string source)
    {
        try
        {
            return root.Deserialize<TrainConfig>(Json) ?? throw new InvalidDataException($"{source}: empty config.");
        }
        catch (JsonException e)
        {
            string key = e.Path?.TrimStart('$', '.') ?? "";
            string reason = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "is not a config key (keys are snake_case; see README 'Training')"
                : $"has a bad value: {e.Message.Split(". Path")[0]}";
            throw new InvalidDataException($"{source}: key '{key}' {reason}.", e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    TrainConfig Validated(string source)
    {
        void Require(bool ok, string message) { if (!ok) throw new InvalidDataException($"{source}: {message}"); }
        Require(Components.Length > 0, "'components' (the pretrained components folder) is required.");
        Require(Data.Length > 0, "'data' (the dataset folder) is required.");
        Require(Resolution > 0, $"'resolution' must be positive (is {Resolution}).");
        Require(Steps > 0, $"'steps' must be positive (is {Steps}).");
        Require(BatchSize > 0, $"'batch_size' must be positive (is {BatchSize}).");
        Require(GradientAccumulation > 0, $"'gradient_accumulation' must be positive (is {GradientAccumulation}).");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"'learning_rate' must be a positive number (is {LearningRate}).");
        Require(Schedule is "cosine" or "constant", $"'schedule' must be cosine or constant (is '{Schedule}').");
        Require(ValidationData != null || (ValidationFraction > 0 && ValidationFraction < 1), $"'validation_fraction' must be in (0,1) (is {ValidationFraction}).");
        Require(EmaDecay is null or (> 0 and < 1), $"'ema_decay' must be in (0,1) (is {EmaDecay}).");
        Require(Cec.ClipViews is >= 1 and <= 64 && Cec.ClipShift is >= 0 and <= 32, $"'cec.clip_views' must be 1–64 and 'cec.clip_shift' 0–32 px (are {Cec.ClipViews}, {Cec.ClipShift}).");
        Require(Cec.TimestepMin >= 0 && Cec.TimestepMax > Cec.TimestepMin && Cec.TimestepMax <= 1000, $"'cec.timestep_min/max' must satisfy 0 ≤ min < max ≤ 1000 (are {Cec.TimestepMin}, {Cec.TimestepMax}).");
        Require(CheckpointEvery > 0 && ValidateEvery > 0 && LogEvery > 0 && SampleEvery > 0, "'*_every' values must be positive.");
        return this;
    }
}
