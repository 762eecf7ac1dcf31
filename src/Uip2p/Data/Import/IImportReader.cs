namespace Uip2p.Data.Import;

/// <summary>
/// A source format read shard by shard (a parquet file, a prompt folder, an img2dataset shard), so that
/// only one shard's rows are in memory and a finished shard is skipped on resume without being read.
/// </summary>
public interface IImportReader
{
    /// <summary>The format's name as <c>--from</c> spells it.</summary>
    string Format { get; }

    /// <summary>Shard names in a fixed order (stable across runs: resume depends on it).</summary>
    IReadOnlyList<string> Shards { get; }

    /// <summary>Rows of one shard, streamed.</summary>
    IAsyncEnumerable<ImportItem> ReadShardAsync(string shard, CancellationToken cancel = default);
}
