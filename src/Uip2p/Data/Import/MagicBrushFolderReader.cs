using System.Text.Json;

namespace Uip2p.Data.Import;

/// <summary>
/// MagicBrush's test-split folder: <c>edit_sessions.json</c> (per session, turns of input, mask, output,
/// instruction), images under <c>images/&lt;id&gt;/</c>, and <c>global_descriptions.json</c> (a caption per
/// image) for the input and edited captions; without it the captions are left for generation.
/// </summary>
public sealed class MagicBrushFolderReader : IImportReader
{
    readonly string _root;
    readonly JsonElement _sessions;
    readonly JsonElement? _captions;

    public MagicBrushFolderReader(string input)
    {
        _root = Path.GetFullPath(input);
        if (!Directory.Exists(_root)) throw new DirectoryNotFoundException($"--in {input}: no such folder.");
        string sessionsPath = Path.Combine(_root, "edit_sessions.json");
        if (!File.Exists(sessionsPath)) throw new FileNotFoundException($"--in {input}: no edit_sessions.json (MagicBrush's test folder has it next to images/).");
        _sessions = Parse(sessionsPath);
        if (_sessions.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{sessionsPath}: expected an object of sessions.");
        string captionsPath = Path.Combine(_root, "global_descriptions.json");
        if (File.Exists(captionsPath)) _captions = Parse(captionsPath);
        Shards = _sessions.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
    }

    static JsonElement Parse(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.Clone();
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message.Split('.')[0]}).", e); }
    }

    public string Format => "magicbrush-folders";
    public IReadOnlyList<string> Shards { get; }

    string? Caption(string session, string? file) =>
        file != null && _captions is { ValueKind: JsonValueKind.Object } c && c.TryGetProperty(session, out var s)
        && s.ValueKind == JsonValueKind.Object && s.TryGetProperty(file, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public async IAsyncEnumerable<ImportItem> ReadShardAsync(string shard, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        await Task.CompletedTask;
        var turns = _sessions.GetProperty(shard);
        string tag = "mb-" + DatasetImporter.SafeName(shard);
        if (turns.ValueKind != JsonValueKind.Array) { yield return ImportItem.Reject($"{tag}#session", shard, "*", "missing field: the session is not a list of turns"); yield break; }
        int turn = 0;
        foreach (var t in turns.EnumerateArray())
        {
            cancel.ThrowIfCancellationRequested();
            turn++;
            string id = $"{tag}-t{turn}";
            string? Get(string name) => t.ValueKind == JsonValueKind.Object && t.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            string? input = Get("input"), output = Get("output"), mask = Get("mask"), instruction = Get("instruction");
            string? problem = TextFields.FirstProblem(("input", input), ("output", output), ("instruction", instruction));
            string? inputCaption = null, editedCaption = null;
            if (problem == null && _captions != null)
            {
                inputCaption = Caption(shard, input);
                editedCaption = Caption(shard, output);
                problem = TextFields.FirstProblem(($"global_descriptions[{shard}][{input}]", inputCaption), ($"global_descriptions[{shard}][{output}]", editedCaption));
            }
            if (problem != null) { yield return ImportItem.Reject(id, shard, turn.ToString(), problem); continue; }
            string images = Path.Combine(_root, "images", shard);
            yield return new ImportItem
            {
                Id = id, Shard = shard, Row = turn.ToString(),
                InputCaption = inputCaption ?? "", EditInstruction = instruction!, EditedCaption = editedCaption ?? "",
                InputImage = ImageSource.FromFile(Path.Combine(images, input!)),
                EditedImage = ImageSource.FromFile(Path.Combine(images, output!)),
                EditMask = mask is { Length: > 0 } ? ImageSource.FromFile(Path.Combine(images, mask)) : null,
                Session = shard, Turn = turn,
                Pending = _captions == null ? ["input_caption", "edited_caption", "reverse_instruction"] : ["reverse_instruction"],
            };
        }
    }
}
