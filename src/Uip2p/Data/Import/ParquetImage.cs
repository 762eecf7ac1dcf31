using System.Text.Json.Serialization;

namespace Uip2p.Data.Import;

/// <summary>A Hugging Face <c>Image</c> feature as parquet stores it: a struct of encoded bytes and the original path.</summary>
public sealed class ParquetImage
{
    [JsonPropertyName("bytes")] public byte[]? Bytes { get; set; }
    [JsonPropertyName("path")] public string? Path { get; set; }

    /// <summary>The image as an import source, or the reason there is none.</summary>
    public static (ImageSource? Image, string? Problem) Source(ParquetImage? cell, string column, string shard, long row)
    {
        if (cell == null) return (null, $"missing field: '{column}' is null");
        if (cell.Bytes is not { Length: > 0 })
            return (null, $"missing image: '{column}' has no bytes" + (cell.Path is { Length: > 0 } p ? $" (only a path, '{p}', which is not read)" : ""));
        return (ImageSource.FromBytes(cell.Bytes, $"{shard} row {row} '{column}'"), null);
    }
}
