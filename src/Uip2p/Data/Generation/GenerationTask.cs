using System.Text.Json;

namespace Uip2p.Data.Generation;

/// <summary>
/// What is asked of the model: <c>reverse</c> (input caption, instruction, edited caption → reverse
/// instruction; the IP2P dataset's case) or <c>triplets</c> (caption and edit kind → instruction, edited
/// caption and reverse instruction; the caption datasets' case). Fixes the prompt's placeholders, the JSON
/// schema of the answer and which records need it.
/// </summary>
public sealed class GenerationTask
{
    GenerationTask(string name, string[] placeholders, string[] answerFields)
    {
        Name = name;
        Placeholders = placeholders;
        AnswerFields = answerFields;
    }

    public string Name { get; }
    public IReadOnlyList<string> Placeholders { get; }
    public IReadOnlyList<string> AnswerFields { get; }

    public static readonly GenerationTask Reverse = new("reverse", ["input_caption", "edit_instruction", "edited_caption"], ["reverse_instruction"]);
    public static readonly GenerationTask Triplets = new("triplets", ["input_caption", "edit_kind"], ["edit_instruction", "edited_caption", "reverse_instruction"]);

    /// <summary>A record this task can fill: it has the inputs and lacks an answer field.</summary>
    public bool Needs(EditRecord r) => Name == "reverse"
        ? string.IsNullOrWhiteSpace(r.ReverseInstruction) && !string.IsNullOrWhiteSpace(r.InputCaption) && !string.IsNullOrWhiteSpace(r.EditInstruction) && !string.IsNullOrWhiteSpace(r.EditedCaption)
        : !string.IsNullOrWhiteSpace(r.InputCaption) && string.IsNullOrWhiteSpace(r.EditInstruction) && string.IsNullOrWhiteSpace(r.EditedCaption) && string.IsNullOrWhiteSpace(r.ReverseInstruction);

    public static readonly IReadOnlyDictionary<string, string> KindDescriptions = new Dictionary<string, string>
    {
        ["attribute"] = "change the colour, material or another attribute of one object, or swap it for another object",
        ["add"] = "add an object",
        ["remove"] = "remove an object the caption mentions",
        ["move"] = "move an object the caption mentions",
        ["global"] = "change the style of the whole image",
    };

    public Dictionary<string, string> Variables(EditRecord r, string? kind) => new()
    {
        ["input_caption"] = r.InputCaption,
        ["edit_instruction"] = r.EditInstruction,
        ["edited_caption"] = r.EditedCaption,
        ["edit_kind"] = kind ?? "",
        ["edit_kind_description"] = kind != null ? KindDescriptions[kind] : "",
    };

    /// <summary>The JSON schema sent as the response format (every field a non-empty string, nothing else).</summary>
    public JsonElement Schema()
    {
        var properties = AnswerFields.ToDictionary(f => f, _ => (object)new Dictionary<string, object> { ["type"] = "string", ["minLength"] = 1 });
        var schema = new Dictionary<string, object>
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = AnswerFields,
            ["additionalProperties"] = false,
        };
        return JsonSerializer.SerializeToElement(schema);
    }
}
