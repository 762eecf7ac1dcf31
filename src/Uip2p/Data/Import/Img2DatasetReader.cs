using System.Text.Json;

namespace Uip2p.Data.Import;

/// <summary>
/// img2dataset output in its "files" layout: shard folders <c>NNNNN/</c> holding <c>KEY.jpg</c> with
/// <c>KEY.txt</c> (the caption) and <c>KEY.json</c> (metadata, whose <c>caption</c> is used when the
/// .txt is absent). One shard folder is one import shard.
/// </summary>
public sealed class Img2DatasetReader : IImportReader
{
    readonly string _root;

    public Img2DatasetReader(string root)
    {
        _root = root;
        Shards = Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(n => n.Length > 0 && n.All(char.IsAsciiDigit)).Order(StringComparer.Ordinal).ToList();
        if (Shards.Count == 0) throw new FileNotFoundException($"--in {root}: no img2dataset shard folders (00000/, 00001/, …).");
    }

    public string Format => "captions";
    public IReadOnlyList<string> Shards { get; }

    public async IAsyncEnumerable<ImportItem> ReadShardAsync(string shard, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        string dir = Path.Combine(_root, shard);
        var images = Directory.EnumerateFiles(dir).Where(f => CaptionReaders.ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal);
        foreach (string image in images)
        {
            cancel.ThrowIfCancellationRequested();
            string key = Path.GetFileNameWithoutExtension(image);
            string id = $"cap-{DatasetImporter.SafeName(key)}";
            string row = Path.GetFileName(image);
            string txt = Path.ChangeExtension(image, ".txt"), meta = Path.ChangeExtension(image, ".json");
            string? caption = null;
            if (File.Exists(txt)) caption = (await File.ReadAllTextAsync(txt, cancel)).Trim();
            else if (File.Exists(meta))
            {
                try
                {
                    using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(meta, cancel));
                    if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("caption", out var c) && c.ValueKind == JsonValueKind.String)
                        caption = c.GetString();
                }
                catch (JsonException) { caption = null; }
            }
            string? problem = TextFields.FirstProblem(($"{key}.txt (or 'caption' in {key}.json)", caption));
            if (problem != null) { yield return ImportItem.Reject(id, shard, row, problem); continue; }
            yield return new ImportItem
            {
                Id = id, Shard = shard, Row = row, InputCaption = caption!,
                InputImage = ImageSource.FromFile(image), Pending = CaptionReaders.Pending,
            };
        }
    }
}
