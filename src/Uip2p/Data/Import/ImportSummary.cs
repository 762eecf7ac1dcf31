using System.Text.Json.Serialization;

namespace Uip2p.Data.Import;

/// <summary>
/// The totals of an import folder (all runs together), written to <c>import-summary.json</c>: every source
/// row is counted as imported or rejected, nothing in between.
/// </summary>
public sealed record ImportSummary
{
    [JsonPropertyName("format")] public string Format { get; init; } = "";
    [JsonPropertyName("source")] public string Source { get; init; } = "";
    [JsonPropertyName("shards")] public int Shards { get; init; }
    [JsonPropertyName("shards_done")] public int ShardsDone { get; init; }
    [JsonPropertyName("imported")] public long Imported { get; init; }
    [JsonPropertyName("rejected")] public long Rejected { get; init; }
    /// <summary>Imported records flagged for review (texts still to generate).</summary>
    [JsonPropertyName("flagged")] public long Flagged { get; init; }
    [JsonPropertyName("rows_this_run")] public long RowsThisRun { get; init; }
    [JsonPropertyName("skipped_already_done")] public long SkippedAlreadyDone { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("rows_per_second")] public double RowsPerSecond { get; init; }
    [JsonPropertyName("megabytes_per_second")] public double MegabytesPerSecond { get; init; }
    [JsonPropertyName("reasons")] public Dictionary<string, long> Reasons { get; init; } = [];
}
