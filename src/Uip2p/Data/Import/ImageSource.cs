namespace Uip2p.Data.Import;

/// <summary>Where one image of a source row is: encoded bytes (a parquet cell) or a file on disk.</summary>
public sealed record ImageSource(byte[]? Bytes, string? FilePath, string Name)
{
    public static ImageSource FromBytes(byte[] bytes, string name) => new(bytes, null, name);
    public static ImageSource FromFile(string path) => new(null, path, path);

    /// <summary>The encoded bytes; a missing file is an <see cref="IOException"/> naming it.</summary>
    public byte[] Read()
    {
        if (Bytes != null) return Bytes;
        if (FilePath == null || !File.Exists(FilePath)) throw new FileNotFoundException($"{Name}: no such image file.", FilePath);
        return File.ReadAllBytes(FilePath);
    }

    /// <summary>Size in bytes when known without reading (for throughput).</summary>
    public long Length => Bytes?.LongLength ?? (FilePath != null && File.Exists(FilePath) ? new FileInfo(FilePath).Length : 0);
}
