using System.Text.Json.Serialization;
using Parquet;
using Parquet.Serialization;
using Uip2p.Data.Import;

namespace Uip2p.Tests.Data;

/// <summary>Parquet files laid out as the Hugging Face datasets are (image columns as {bytes, path} structs).</summary>
static class ParquetFixtures
{
    public sealed class Ip2pRow
    {
        [JsonPropertyName("original_prompt")] public string? OriginalPrompt { get; set; }
        [JsonPropertyName("original_image")] public ParquetImage? OriginalImage { get; set; }
        [JsonPropertyName("edit_prompt")] public string? EditPrompt { get; set; }
        [JsonPropertyName("edited_prompt")] public string? EditedPrompt { get; set; }
        [JsonPropertyName("edited_image")] public ParquetImage? EditedImage { get; set; }
    }

    /// <summary>A shard that lacks the edited_prompt column.</summary>
    public sealed class Ip2pRowWithoutEdited
    {
        [JsonPropertyName("original_prompt")] public string? OriginalPrompt { get; set; }
        [JsonPropertyName("original_image")] public ParquetImage? OriginalImage { get; set; }
        [JsonPropertyName("edit_prompt")] public string? EditPrompt { get; set; }
        [JsonPropertyName("edited_image")] public ParquetImage? EditedImage { get; set; }
    }

    public sealed class MagicBrushRow
    {
        [JsonPropertyName("img_id")] public string? ImgId { get; set; }
        [JsonPropertyName("turn_index")] public int? TurnIndex { get; set; }
        [JsonPropertyName("source_img")] public ParquetImage? SourceImg { get; set; }
        [JsonPropertyName("mask_img")] public ParquetImage? MaskImg { get; set; }
        [JsonPropertyName("instruction")] public string? Instruction { get; set; }
        [JsonPropertyName("target_img")] public ParquetImage? TargetImg { get; set; }
    }

    public static ParquetImage Image(byte[]? bytes, string? path = "img.png") => new() { Bytes = bytes, Path = path };

    public static void Write<T>(string path, IEnumerable<T> rows, int rowGroupSize = 2) where T : class, new()
    {
        using var fs = File.Create(path);
        ParquetSerializer.SerializeAsync(rows, fs, new ParquetOptions { RowGroupSize = rowGroupSize }).GetAwaiter().GetResult();
    }

    public static Ip2pRow Good(int i) => new()
    {
        OriginalPrompt = $"a photo of a red car number {i}",
        OriginalImage = Image(TestImages.Jpeg(i)),
        EditPrompt = "make the car blue",
        EditedPrompt = $"a photo of a blue car number {i}",
        EditedImage = Image(TestImages.Png(i + 100)),
    };
}
