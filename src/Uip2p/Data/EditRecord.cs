using System.Text.Json.Serialization;

namespace Uip2p.Data;

/// <summary>
/// One training/evaluation record of the dataset format (JSONL, one object per line) that the world
/// exports and real data uses too. UIP2P needs four texts per image and no ground truth; supervised
/// training and evaluation use the optional ground-truth paths. Paths are relative to the dataset folder.
/// </summary>
public sealed record EditRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("input_image")] public string InputImage { get; init; } = "";
    [JsonPropertyName("input_caption")] public string InputCaption { get; init; } = "";
    [JsonPropertyName("edit_instruction")] public string EditInstruction { get; init; } = "";
    [JsonPropertyName("edited_caption")] public string EditedCaption { get; init; } = "";
    [JsonPropertyName("reverse_instruction")] public string ReverseInstruction { get; init; } = "";
    /// <summary>Ground-truth edited image for supervised training (possibly Prompt-to-Prompt-biased).</summary>
    [JsonPropertyName("edited_image")] public string? EditedImage { get; init; }
    /// <summary>The unbiased ground truth, for evaluation.</summary>
    [JsonPropertyName("edited_image_clean")] public string? EditedImageClean { get; init; }
    /// <summary>Where the edit should change the image (white) — for in/out-of-mask metrics.</summary>
    [JsonPropertyName("edit_mask")] public string? EditMask { get; init; }
    [JsonPropertyName("edit_kind")] public string? EditKind { get; init; }
    [JsonPropertyName("session")] public string? Session { get; init; }
    [JsonPropertyName("turn")] public int? Turn { get; init; }
    [JsonPropertyName("bias")] public string[]? Bias { get; init; }
    /// <summary>Where an imported record came from (format, shard, row), so a bad one can be traced.</summary>
    [JsonPropertyName("origin")] public string? Origin { get; init; }
    /// <summary>
    /// Why the record needs a person's look before training (a text still to be generated, a failed
    /// check on generated text). Flagged records are skipped by the reader unless asked for.
    /// </summary>
    [JsonPropertyName("review")] public string[]? Review { get; init; }

    /// <summary>The ground truth to evaluate against: the clean one when present.</summary>
    [JsonIgnore] public string? EvaluationTarget => EditedImageClean ?? EditedImage;
}
