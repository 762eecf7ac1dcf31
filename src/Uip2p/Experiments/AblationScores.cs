using System.Text.Json;
using System.Text.Json.Serialization;
using Uip2p.Evaluation;

namespace Uip2p.Experiments;

/// <summary>
/// One held-out edit as an ablation scores it: L1/L2 to the clean ground truth (whole image, inside and outside the edit
/// mask), the judge's verdict read from the pixels, and the evaluation suite's CLIP scores against the edit's captions
/// (null without a CLIP model).
/// </summary>
public sealed record AblationEdit(
    string Id, string Kind, double L1, double L2, double L1InMask, double L1OutsideMask, double L2InMask, double L2OutsideMask,
    bool EditHappened, bool RestKept, string Reason, double? ClipI, double? ClipT, double? ClipDirection, double? ClipImage)
{
    public bool Success => EditHappened && RestKept;
}

/// <summary>A column of the ablation tables: its key (CSV column, figure file name), what it measures, and which way is better.</summary>
public sealed record AblationMetric(string Key, string Title, bool HigherIsBetter, Func<AblationEdit, double?> Value)
{
    /// <summary>Every metric, in table order.</summary>
    public static IReadOnlyList<AblationMetric> All { get; } =
    [
        new("judge_success", "judge success (edit happened and rest kept)", true, e => e.Success ? 1 : 0),
        new("edit_happened", "judge: the asked change happened", true, e => e.EditHappened ? 1 : 0),
        new("rest_kept", "judge: everything else kept", true, e => e.RestKept ? 1 : 0),
        new("l1", "L1 to the clean ground truth", false, e => e.L1),
        new("l2", "L2 (MSE) to the clean ground truth", false, e => e.L2),
        new("l1_in_mask", "L1 inside the edit mask", false, e => e.L1InMask),
        new("l1_outside_mask", "L1 outside the edit mask", false, e => e.L1OutsideMask),
        new("l2_in_mask", "L2 inside the edit mask", false, e => e.L2InMask),
        new("l2_outside_mask", "L2 outside the edit mask", false, e => e.L2OutsideMask),
        new("clip_i", "CLIP-I (output vs ground truth)", true, e => e.ClipI),
        new("clip_t", "CLIP-T (output vs edited caption)", true, e => e.ClipT),
        new("clip_direction", "CLIP direction similarity", true, e => e.ClipDirection),
        new("clip_image", "CLIP image similarity (input vs output)", true, e => e.ClipImage),
    ];

    /// <summary>The metrics drawn as figures (the rest are in the tables).</summary>
    public static IReadOnlyList<string> Figures { get; } = ["judge_success", "l1", "l1_in_mask", "l1_outside_mask", "clip_i", "clip_t", "clip_direction"];

    public static AblationMetric Get(string key) => All.FirstOrDefault(m => m.Key == key)
        ?? throw new ArgumentException($"'{key}' is not an ablation metric (metrics: {string.Join(", ", All.Select(m => m.Key))}).");
}

/// <summary>A run's (or the identity reference's) scores on the held-out edits, with the settings that made them; cached as JSON in the run folder.</summary>
public sealed record AblationScores(AblationEvalSettings Settings, IReadOnlyList<AblationEdit> Edits)
{
    static readonly JsonSerializerOptions Json = new(AblationEvalSettings.Json) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>A metric's mean over the edits with its standard error (values that are missing or not finite left out).</summary>
    public Estimate Of(string metric)
    {
        var m = AblationMetric.Get(metric);
        return Estimate.Of(Edits.Select(e => m.Value(e) ?? double.NaN));
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>The cached scores at <paramref name="path"/> if they exist, parse and were made with <paramref name="settings"/>; else null.</summary>
    public static AblationScores? Load(string path, AblationEvalSettings settings)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var scores = JsonSerializer.Deserialize<AblationScores>(File.ReadAllText(path), Json);
            return scores != null && scores.Settings == settings && scores.Edits.Count == settings.HeldOut ? scores : null;
        }
        catch (JsonException)
        {
            return null;   // unreadable cache: scored again
        }
    }
}
