using System.Text.Json.Serialization;

namespace Uip2p.Data.Import;

/// <summary>
/// <c>timbrooks/instructpix2pix-clip-filtered</c> on Hugging Face: parquet shards with <c>original_prompt</c>,
/// <c>original_image</c>, <c>edit_prompt</c>, <c>edited_prompt</c>, <c>edited_image</c>. It has no reverse
/// instruction (the one text UIP2P generates for it, Table 1), so records are flagged until
/// <c>uip2p data reverse</c> writes one.
/// </summary>
public sealed class Ip2pParquetReader : IImportReader
{
    static readonly string[] Columns = ["original_prompt", "original_image", "edit_prompt", "edited_prompt", "edited_image"];
    readonly string _root;

    public Ip2pParquetReader(string input) => (_root, Shards) = ParquetShards.List(input);

    public string Format => "ip2p-parquet";
    public IReadOnlyList<string> Shards { get; }

    sealed class Row
    {
        [JsonPropertyName("original_prompt")] public string? OriginalPrompt { get; set; }
        [JsonPropertyName("original_image")] public ParquetImage? OriginalImage { get; set; }
        [JsonPropertyName("edit_prompt")] public string? EditPrompt { get; set; }
        [JsonPropertyName("edited_prompt")] public string? EditedPrompt { get; set; }
        [JsonPropertyName("edited_image")] public ParquetImage? EditedImage { get; set; }
    }

    public async IAsyncEnumerable<ImportItem> ReadShardAsync(string shard, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        string? problem = null;
        string tag = "ip2p-" + DatasetImporter.SafeName(shard);
        await foreach (var (row, r) in ParquetShards.ReadAsync<Row>(Path.Combine(_root, shard), Columns, p => problem = p, cancel))
        {
            string id = $"{tag}-{row:D6}";
            string? textProblem = TextFields.FirstProblem(("original_prompt", r.OriginalPrompt), ("edit_prompt", r.EditPrompt), ("edited_prompt", r.EditedPrompt));
            if (textProblem != null) { yield return ImportItem.Reject(id, shard, row.ToString(), textProblem); continue; }
            var (input, p1) = ParquetImage.Source(r.OriginalImage, "original_image", shard, row);
            var (edited, p2) = ParquetImage.Source(r.EditedImage, "edited_image", shard, row);
            if ((p1 ?? p2) is { } imageProblem) { yield return ImportItem.Reject(id, shard, row.ToString(), imageProblem); continue; }
            yield return new ImportItem
            {
                Id = id, Shard = shard, Row = row.ToString(),
                InputCaption = r.OriginalPrompt!, EditInstruction = r.EditPrompt!, EditedCaption = r.EditedPrompt!,
                InputImage = input, EditedImage = edited,
                Pending = ["reverse_instruction"],
            };
        }
        if (problem != null) yield return ImportItem.Reject($"{tag}#columns", shard, "*", problem);
    }
}
