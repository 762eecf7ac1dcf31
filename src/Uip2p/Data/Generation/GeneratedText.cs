using System.Text.Json.Serialization;

namespace Uip2p.Data.Generation;

/// <summary>
/// One line of a generation output file (<c>generated/&lt;task&gt;.jsonl</c>), keyed by record id: the texts
/// produced and by what. Append-only: a record with a line here is never asked for again.
/// </summary>
public sealed record GeneratedText
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("task")] public string Task { get; init; } = "";
    /// <summary><c>rules</c>, or <c>llm:MODEL</c>.</summary>
    [JsonPropertyName("method")] public string Method { get; init; } = "";
    [JsonPropertyName("edit_kind")] public string? EditKind { get; init; }
    [JsonPropertyName("edit_instruction")] public string? EditInstruction { get; init; }
    [JsonPropertyName("edited_caption")] public string? EditedCaption { get; init; }
    [JsonPropertyName("reverse_instruction")] public string? ReverseInstruction { get; init; }
    /// <summary>The offline rule used (add, remove, swap, colour, …).</summary>
    [JsonPropertyName("pattern")] public string? Pattern { get; init; }
    /// <summary>Why no text was produced (the rules could not invert the edit); the record stays flagged.</summary>
    [JsonPropertyName("not_inverted")] public string? NotInverted { get; init; }
    [JsonPropertyName("input_tokens")] public long? InputTokens { get; init; }
    [JsonPropertyName("output_tokens")] public long? OutputTokens { get; init; }
    [JsonPropertyName("attempts")] public int? Attempts { get; init; }
}
