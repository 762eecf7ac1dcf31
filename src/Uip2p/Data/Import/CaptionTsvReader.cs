namespace Uip2p.Data.Import;

/// <summary>
/// A CC3M-style caption file: <c>caption TAB url</c>, no header. Nothing is downloaded here, so images come
/// from a local folder (<c>--images</c>): row <i>i</i> (0-based) is <c>&lt;i:D9&gt;.jpg</c> (or .png …) in it or
/// in its <c>&lt;i/10000:D5&gt;/</c> subfolder, as img2dataset names them; a row without one is a reject.
/// </summary>
public sealed class CaptionTsvReader : IImportReader
{
    readonly string _path;
    readonly string _images;

    public CaptionTsvReader(string path, string? images)
    {
        _path = path;
        if (images == null)
            throw new ArgumentException($"--images: required for the caption file {Path.GetFileName(path)}: it has only image URLs and nothing is downloaded here; give the folder of the downloaded images.");
        _images = Path.GetFullPath(images);
        if (!Directory.Exists(_images)) throw new DirectoryNotFoundException($"--images {images}: no such folder.");
        Shards = [Path.GetFileName(path)];
    }

    public string Format => "captions";
    public IReadOnlyList<string> Shards { get; }

    string? FindImage(long row)
    {
        string key = row.ToString("D9");
        foreach (string dir in new[] { _images, Path.Combine(_images, (row / 10000).ToString("D5")) })
            foreach (string ext in CaptionReaders.ImageExtensions)
                if (File.Exists(Path.Combine(dir, key + ext))) return Path.Combine(dir, key + ext);
        return null;
    }

    public async IAsyncEnumerable<ImportItem> ReadShardAsync(string shard, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        using var reader = new StreamReader(_path);
        string tag = "cap-" + DatasetImporter.SafeName(Path.GetFileNameWithoutExtension(shard));
        long row = -1;
        string? line;
        while ((line = await reader.ReadLineAsync(cancel)) != null)
        {
            row++;
            string id = $"{tag}-{row:D9}";
            string caption = line.Split('\t')[0];
            if (string.IsNullOrWhiteSpace(caption)) { yield return ImportItem.Reject(id, shard, row.ToString(), "empty text: 'caption' (first column)"); continue; }
            string? image = FindImage(row);
            if (image == null) { yield return ImportItem.Reject(id, shard, row.ToString(), $"missing image: no local image for row {row} ({row:D9}.jpg) in {_images}"); continue; }
            yield return new ImportItem
            {
                Id = id, Shard = shard, Row = row.ToString(), InputCaption = caption,
                InputImage = ImageSource.FromFile(image), Pending = CaptionReaders.Pending,
            };
        }
    }
}
