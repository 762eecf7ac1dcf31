using System.Text.Json.Serialization;

namespace Uip2p.Data.Import;

/// <summary>One line of <c>rejects.jsonl</c>: a source row that was not imported, and why.</summary>
public sealed record ImportReject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("shard")] string Shard,
    [property: JsonPropertyName("row")] string Row,
    [property: JsonPropertyName("reason")] string Reason);
