using System.Text.Json.Serialization;

namespace Uip2p.Data.Generation;

/// <summary>What one generation run did: requests, successes, failures by cause, retries, tokens, throughput.</summary>
public sealed record GenerationReport
{
    [JsonPropertyName("task")] public string Task { get; init; } = "";
    [JsonPropertyName("model")] public string Model { get; init; } = "";
    [JsonPropertyName("concurrency")] public int Concurrency { get; init; }
    [JsonPropertyName("records_pending")] public long RecordsPending { get; init; }
    [JsonPropertyName("records_already_done")] public long RecordsAlreadyDone { get; init; }
    [JsonPropertyName("records_generated")] public long RecordsGenerated { get; init; }
    [JsonPropertyName("records_failed")] public long RecordsFailed { get; init; }
    [JsonPropertyName("requests")] public long Requests { get; init; }
    [JsonPropertyName("retries")] public long Retries { get; init; }
    [JsonPropertyName("failures")] public Dictionary<string, long> Failures { get; init; } = [];
    [JsonPropertyName("input_tokens")] public long InputTokens { get; init; }
    [JsonPropertyName("output_tokens")] public long OutputTokens { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("records_per_second")] public double RecordsPerSecond { get; init; }
    [JsonPropertyName("requests_per_second")] public double RequestsPerSecond { get; init; }
    [JsonPropertyName("output_tokens_per_second")] public double OutputTokensPerSecond { get; init; }
    [JsonPropertyName("latency_p50_ms")] public double LatencyP50Ms { get; init; }
    [JsonPropertyName("latency_p95_ms")] public double LatencyP95Ms { get; init; }
}
