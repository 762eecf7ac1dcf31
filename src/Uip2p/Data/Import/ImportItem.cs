namespace Uip2p.Data.Import;

/// <summary>
/// One source row as a reader hands it to the importer: the record-to-be and its images, or the reason
/// the row cannot be imported (<see cref="Problem"/>). <see cref="Pending"/> names the texts the source
/// format does not have, which a generation step fills in later (the record is flagged until then).
/// </summary>
public sealed record ImportItem
{
    public required string Id { get; init; }
    public required string Shard { get; init; }
    /// <summary>Row number inside the shard (0-based), or the entry's name for folder formats.</summary>
    public required string Row { get; init; }
    public string? Problem { get; init; }
    public string InputCaption { get; init; } = "";
    public string EditInstruction { get; init; } = "";
    public string EditedCaption { get; init; } = "";
    public string ReverseInstruction { get; init; } = "";
    public ImageSource? InputImage { get; init; }
    public ImageSource? EditedImage { get; init; }
    public ImageSource? EditMask { get; init; }
    public string? EditKind { get; init; }
    public string? Session { get; init; }
    public int? Turn { get; init; }
    public IReadOnlyList<string> Pending { get; init; } = [];

    public static ImportItem Reject(string id, string shard, string row, string problem) =>
        new() { Id = id, Shard = shard, Row = row, Problem = problem };
}
