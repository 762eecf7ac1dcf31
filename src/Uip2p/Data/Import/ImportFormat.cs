namespace Uip2p.Data.Import;

/// <summary>The source formats <c>uip2p data import --from</c> reads, and the reader for each.</summary>
public static class ImportFormat
{
    public static readonly IReadOnlyList<string> Names = ["ip2p-parquet", "ip2p-folders", "magicbrush-parquet", "magicbrush-folders", "captions"];

    /// <summary>Opens the reader for a format; the path and the format's own files are checked here, before any work.</summary>
    public static IImportReader Open(string format, string input, string? imagesFolder = null) => format switch
    {
        "ip2p-parquet" => new Ip2pParquetReader(input),
        "ip2p-folders" => new Ip2pFolderReader(input),
        "magicbrush-parquet" => new MagicBrushParquetReader(input),
        "magicbrush-folders" => new MagicBrushFolderReader(input),
        "captions" => CaptionReaders.Open(input, imagesFolder),
        _ => throw new ArgumentException($"--from {format}: not a known format; choose one of {string.Join(", ", Names)}."),
    };
}
