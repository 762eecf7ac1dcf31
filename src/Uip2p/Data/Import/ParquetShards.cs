using Parquet;
using Parquet.Serialization;

namespace Uip2p.Data.Import;

/// <summary>
/// Parquet shards of a Hugging Face dataset (one file, or every <c>*.parquet</c> under a folder, in name
/// order), read one row group at a time through Parquet.Net's serializer, so memory holds one row group.
/// </summary>
public static class ParquetShards
{
    /// <summary>The shard files under <paramref name="input"/> as paths relative to the returned root.</summary>
    public static (string Root, IReadOnlyList<string> Shards) List(string input)
    {
        string full = Path.GetFullPath(input);
        if (File.Exists(full)) return (Path.GetDirectoryName(full)!, [Path.GetFileName(full)]);
        if (!Directory.Exists(full)) throw new FileNotFoundException($"--in {input}: no such file or folder.");
        var shards = Directory.EnumerateFiles(full, "*.parquet", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(full, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal).ToList();
        if (shards.Count == 0) throw new FileNotFoundException($"--in {input}: the folder has no .parquet files.");
        return (full, shards);
    }

    /// <summary>
    /// Rows of a shard, row group by row group, with their row numbers; a shard without the required
    /// columns yields nothing and reports them through <paramref name="missing"/>.
    /// </summary>
    public static async IAsyncEnumerable<(long Row, T Value)> ReadAsync<T>(string path, IReadOnlyList<string> requiredColumns,
        Action<string> missing, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default) where T : class, new()
    {
        int groups;
        await using (var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancel))
        {
            var columns = reader.Schema.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            var absent = requiredColumns.Where(c => !columns.Contains(c)).ToList();
            if (absent.Count > 0)
            {
                // The serializer would read an absent column as nulls; name it instead.
                missing($"missing column: {string.Join(", ", absent.Select(c => $"'{c}'"))} (the shard has {string.Join(", ", columns.Order())})");
                yield break;
            }
            groups = reader.RowGroupCount;
        }
        long row = 0;
        for (int g = 0; g < groups; g++)
        {
            cancel.ThrowIfCancellationRequested();
            IList<T> values;
            await using (var stream = File.OpenRead(path))
                values = (await ParquetSerializer.DeserializeAsync<T>(stream, rowGroupIndex: g, cancellationToken: cancel)).Data;
            foreach (var v in values) yield return (row++, v);
        }
    }
}
