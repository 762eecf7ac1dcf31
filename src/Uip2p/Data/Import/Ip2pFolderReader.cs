using System.Text.Json;

namespace Uip2p.Data.Import;

/// <summary>
/// The original instruct-pix2pix generated dataset: one folder per prompt with <c>prompt.json</c>
/// (<c>caption</c> — released files say <c>input</c> — plus <c>edit</c>, <c>output</c>, <c>url</c>) and
/// image pairs <c>&lt;seed&gt;_0.jpg</c> / <c>&lt;seed&gt;_1.jpg</c>; <c>seeds.json</c> at the top lists
/// <c>[folder, [seed, …]]</c> (the CLIP-filtered seeds). Without seeds.json every pair found is used.
/// </summary>
public sealed class Ip2pFolderReader : IImportReader
{
    readonly string _root;
    readonly Dictionary<string, List<string>>? _seeds;

    public Ip2pFolderReader(string input)
    {
        _root = Path.GetFullPath(input);
        if (!Directory.Exists(_root)) throw new DirectoryNotFoundException($"--in {input}: no such folder.");
        string seedsPath = Path.Combine(_root, "seeds.json");
        if (File.Exists(seedsPath))
        {
            _seeds = [];
            var order = new List<string>();
            using var doc = ParseJson(seedsPath);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{seedsPath}: expected a list of [folder, [seeds]].");
            foreach (var entry in doc.RootElement.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String || entry[1].ValueKind != JsonValueKind.Array)
                    throw new InvalidDataException($"{seedsPath}: entry {order.Count} is not [folder, [seeds]].");
                string name = entry[0].GetString()!;
                _seeds[name] = entry[1].EnumerateArray().Select(s => s.ToString()).ToList();
                order.Add(name);
            }
            Shards = order;
        }
        else
        {
            Shards = Directory.EnumerateDirectories(_root).Where(d => File.Exists(Path.Combine(d, "prompt.json")))
                .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        }
        if (Shards.Count == 0) throw new FileNotFoundException($"--in {input}: no seeds.json and no folders with a prompt.json.");
    }

    public string Format => "ip2p-folders";
    public IReadOnlyList<string> Shards { get; }

    static JsonDocument ParseJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message.Split('.')[0]}).", e); }
    }

    public async IAsyncEnumerable<ImportItem> ReadShardAsync(string shard, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        await Task.CompletedTask;
        string dir = Path.Combine(_root, shard);
        string tag = "ip2p-" + DatasetImporter.SafeName(shard);
        string promptPath = Path.Combine(dir, "prompt.json");
        string? caption = null, edit = null, output = null, problem = null;
        if (!File.Exists(promptPath)) problem = $"missing field: {shard}/prompt.json does not exist";
        else
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(promptPath));
                string? Get(string name) => doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                caption = Get("caption") ?? Get("input");
                edit = Get("edit");
                output = Get("output");
                problem = TextFields.FirstProblem(("caption (or input)", caption), ("edit", edit), ("output", output));
            }
            catch (JsonException e) { problem = $"unreadable prompt: {shard}/prompt.json is not valid JSON ({e.Message.Split('.')[0]})"; }
        }
        if (problem != null) { yield return ImportItem.Reject($"{tag}#prompt", shard, "prompt.json", problem); yield break; }
        IEnumerable<string> seeds = _seeds != null ? _seeds[shard]
            : Directory.EnumerateFiles(dir, "*_0.jpg").Select(f => Path.GetFileName(f)[..^6]).Order(StringComparer.Ordinal);
        foreach (string seed in seeds)
        {
            cancel.ThrowIfCancellationRequested();
            yield return new ImportItem
            {
                Id = $"{tag}-{DatasetImporter.SafeName(seed)}", Shard = shard, Row = seed,
                InputCaption = caption!, EditInstruction = edit!, EditedCaption = output!,
                InputImage = ImageSource.FromFile(Path.Combine(dir, $"{seed}_0.jpg")),
                EditedImage = ImageSource.FromFile(Path.Combine(dir, $"{seed}_1.jpg")),
                Pending = ["reverse_instruction"],
            };
        }
    }
}
