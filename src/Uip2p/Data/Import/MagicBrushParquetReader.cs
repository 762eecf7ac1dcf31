using System.Text.Json.Serialization;

namespace Uip2p.Data.Import;

/// <summary>
/// MagicBrush on Hugging Face (train and dev): parquet with <c>img_id</c>, <c>turn_index</c>,
/// <c>source_img</c>, <c>mask_img</c>, <c>instruction</c>, <c>target_img</c>. The parquet has no captions,
/// so both captions and the reverse instruction are left for generation (the record is flagged).
/// </summary>
public sealed class MagicBrushParquetReader : IImportReader
{
    static readonly string[] Columns = ["img_id", "turn_index", "source_img", "mask_img", "instruction", "target_img"];
    readonly string _root;

    public MagicBrushParquetReader(string input) => (_root, Shards) = ParquetShards.List(input);

    public string Format => "magicbrush-parquet";
    public IReadOnlyList<string> Shards { get; }

    sealed class Row
    {
        [JsonPropertyName("img_id")] public string? ImgId { get; set; }
        [JsonPropertyName("turn_index")] public int? TurnIndex { get; set; }
        [JsonPropertyName("source_img")] public ParquetImage? SourceImg { get; set; }
        [JsonPropertyName("mask_img")] public ParquetImage? MaskImg { get; set; }
        [JsonPropertyName("instruction")] public string? Instruction { get; set; }
        [JsonPropertyName("target_img")] public ParquetImage? TargetImg { get; set; }
    }

    public async IAsyncEnumerable<ImportItem> ReadShardAsync(string shard, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        string? problem = null;
        string tag = DatasetImporter.SafeName(shard);
        await foreach (var (row, r) in ParquetShards.ReadAsync<Row>(Path.Combine(_root, shard), Columns, p => problem = p, cancel))
        {
            string id = r.ImgId is { Length: > 0 } && r.TurnIndex is { } t ? $"mb-{DatasetImporter.SafeName(r.ImgId)}-t{t}" : $"mb-{tag}-{row:D6}";
            string? textProblem = TextFields.FirstProblem(("img_id", r.ImgId), ("instruction", r.Instruction))
                                  ?? (r.TurnIndex == null ? "missing field: 'turn_index'" : null);
            if (textProblem != null) { yield return ImportItem.Reject(id, shard, row.ToString(), textProblem); continue; }
            var (source, p1) = ParquetImage.Source(r.SourceImg, "source_img", shard, row);
            var (target, p2) = ParquetImage.Source(r.TargetImg, "target_img", shard, row);
            var (mask, p3) = ParquetImage.Source(r.MaskImg, "mask_img", shard, row);
            if ((p1 ?? p2 ?? p3) is { } imageProblem) { yield return ImportItem.Reject(id, shard, row.ToString(), imageProblem); continue; }
            yield return new ImportItem
            {
                Id = id, Shard = shard, Row = row.ToString(),
                EditInstruction = r.Instruction!,
                InputImage = source, EditedImage = target, EditMask = mask,
                Session = r.ImgId, Turn = r.TurnIndex,
                Pending = ["input_caption", "edited_caption", "reverse_instruction"],
            };
        }
        if (problem != null) yield return ImportItem.Reject($"mb-{tag}#columns", shard, "*", problem);
    }
}
