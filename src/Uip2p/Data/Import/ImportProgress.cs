namespace Uip2p.Data.Import;

/// <summary>Where an import stands: rows seen this run, imported and rejected overall, and its throughput.</summary>
public sealed record ImportProgress(
    string Shard, int ShardIndex, int ShardCount, long RowsThisRun, long Imported, long Rejected,
    long BytesThisRun, double Seconds)
{
    public double RowsPerSecond => Seconds > 0 ? RowsThisRun / Seconds : 0;
    public double MegabytesPerSecond => Seconds > 0 ? BytesThisRun / 1e6 / Seconds : 0;
}
