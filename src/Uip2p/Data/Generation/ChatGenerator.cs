using System.ClientModel;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Uip2p.Data.Generation;

/// <summary>A unit of work for the model: a record id and the prompt's values.</summary>
public sealed record GenerationRequest(string Id, IReadOnlyDictionary<string, string> Values, string? EditKind);

/// <summary>
/// Sends generation requests to a chat model with bounded concurrency, validates each JSON answer against
/// the task's schema, and appends every success to an append-only output keyed by record id the moment it
/// arrives (so a killed run loses at most the requests in flight, and a rerun asks only for what is not
/// there). Rate limits (429), server errors (5xx), timeouts and invalid answers are retried with
/// exponential backoff and jitter, up to <see cref="MaxAttempts"/>; a record that still fails is written to
/// the failures file and asked for again on the next run.
/// </summary>
public sealed class ChatGenerator(IChatClient client, GenerationTask task, PromptTemplate prompt, string model)
{
    public int Concurrency { get; init; } = 8;
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(30);
    public float? Temperature { get; init; } = 0.7f;
    public int MaxOutputTokens { get; init; } = 256;
    /// <summary><c>json_schema</c> (strict structured output), <c>json_object</c> or <c>none</c> (prompt only); the answer is validated either way.</summary>
    public string ResponseFormat { get; init; } = "json_schema";
    /// <summary>Called after each finished record (success or final failure).</summary>
    public Action<long, long>? Progress { get; init; }

    sealed record Failure(string Id, string Reason, int Attempts);

    public async Task<GenerationReport> RunAsync(IEnumerable<GenerationRequest> requests, JsonlAppender output, JsonlAppender failures,
        long alreadyDone, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        long requestCount = 0, retries = 0, generated = 0, failed = 0, inputTokens = 0, outputTokens = 0, pending = 0;
        var causes = new ConcurrentDictionary<string, long>();
        var latencies = new ConcurrentBag<double>();
        var options = new ChatOptions
        {
            ModelId = model,
            Temperature = Temperature,
            MaxOutputTokens = MaxOutputTokens,
            ResponseFormat = ResponseFormat switch
            {
                "json_schema" => ChatResponseFormat.ForJsonSchema(task.Schema(), task.Name, $"the {task.Name} answer"),
                "json_object" => ChatResponseFormat.Json,
                _ => null,
            },
        };

        await Parallel.ForEachAsync(Counted(requests), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancel }, async (request, ct) =>
        {
            var (system, user) = prompt.Render(request.Values);
            List<ChatMessage> messages = system.Length > 0 ? [new(ChatRole.System, system), new(ChatRole.User, user)] : [new(ChatRole.User, user)];
            string lastReason = "";
            int attempt;
            for (attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                ct.ThrowIfCancellationRequested();
                if (attempt > 1)
                {
                    Interlocked.Increment(ref retries);
                    await Task.Delay(Backoff(attempt - 1), ct);
                }
                Interlocked.Increment(ref requestCount);
                var started = Stopwatch.GetTimestamp();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(Timeout);
                string cause;
                try
                {
                    var response = await client.GetResponseAsync(messages, options, timeout.Token);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    long inTok = response.Usage?.InputTokenCount ?? 0, outTok = response.Usage?.OutputTokenCount ?? 0;
                    Interlocked.Add(ref inputTokens, inTok);
                    Interlocked.Add(ref outputTokens, outTok);
                    Dictionary<string, string> answer;
                    try { answer = JsonAnswer.Parse(response.Text, task.AnswerFields); }
                    catch (FormatException e) { cause = "invalid answer"; lastReason = $"invalid answer: {e.Message}"; causes.AddOrUpdate(cause, 1, (_, n) => n + 1); continue; }
                    output.Append(new GeneratedText
                    {
                        Id = request.Id, Task = task.Name, Method = $"llm:{model}", EditKind = request.EditKind,
                        EditInstruction = answer.GetValueOrDefault("edit_instruction"),
                        EditedCaption = answer.GetValueOrDefault("edited_caption"),
                        ReverseInstruction = answer.GetValueOrDefault("reverse_instruction"),
                        InputTokens = inTok, OutputTokens = outTok, Attempts = attempt,
                    });
                    long done = Interlocked.Increment(ref generated);
                    Progress?.Invoke(done, Interlocked.Read(ref failed));
                    return;
                }
                catch (ClientResultException e) when (e.Status == 429 || e.Status >= 500)
                {
                    cause = e.Status == 429 ? "http 429" : $"http {e.Status}";
                    lastReason = $"{cause}: {FirstLine(e.Message)}";
                }
                catch (ClientResultException e)
                {
                    // 4xx other than 429 (bad model name, bad request): retrying will not help.
                    causes.AddOrUpdate($"http {e.Status}", 1, (_, n) => n + 1);
                    lastReason = $"http {e.Status}: {FirstLine(e.Message)}";
                    attempt++;
                    break;
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    cause = "timeout";
                    lastReason = $"timeout: no answer within {Timeout.TotalSeconds:0.#} s";
                }
                catch (HttpRequestException e)
                {
                    cause = "connection";
                    lastReason = $"connection: {FirstLine(e.Message)}";
                }
                causes.AddOrUpdate(cause, 1, (_, n) => n + 1);
            }
            failures.Append(new Failure(request.Id, lastReason, attempt - 1));
            long f = Interlocked.Increment(ref failed);
            Progress?.Invoke(Interlocked.Read(ref generated), f);
        });

        double seconds = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))], 1);
        return new GenerationReport
        {
            Task = task.Name, Model = model, Concurrency = Concurrency,
            RecordsPending = pending, RecordsAlreadyDone = alreadyDone,
            RecordsGenerated = generated, RecordsFailed = failed,
            Requests = requestCount, Retries = retries, Failures = causes.ToDictionary(),
            InputTokens = inputTokens, OutputTokens = outputTokens,
            Seconds = Math.Round(seconds, 3),
            RecordsPerSecond = seconds > 0 ? Math.Round(generated / seconds, 2) : 0,
            RequestsPerSecond = seconds > 0 ? Math.Round(requestCount / seconds, 2) : 0,
            OutputTokensPerSecond = seconds > 0 ? Math.Round(outputTokens / seconds, 1) : 0,
            LatencyP50Ms = Percentile(0.5), LatencyP95Ms = Percentile(0.95),
        };

        IEnumerable<GenerationRequest> Counted(IEnumerable<GenerationRequest> source)
        {
            foreach (var r in source) { pending++; yield return r; }
        }
    }

    /// <summary>Delay before retry <paramref name="retry"/> (1-based): base·2^(retry−1), capped, with ±25 % jitter.</summary>
    public TimeSpan Backoff(int retry)
    {
        double ms = Math.Min(BackoffMax.TotalMilliseconds, BackoffBase.TotalMilliseconds * Math.Pow(2, retry - 1));
        return TimeSpan.FromMilliseconds(ms * (0.75 + 0.5 * Random.Shared.NextDouble()));
    }

    static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
