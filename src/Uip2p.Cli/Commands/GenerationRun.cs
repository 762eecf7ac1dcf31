using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Uip2p.Data.Generation;

namespace Uip2p.Cli.Commands;

/// <summary>The part <c>data reverse</c> and <c>data triplets</c> share: run the model on what is pending, report, merge.</summary>
static class GenerationRun
{
    public static async Task<int> RunLlm(ParseResult result, LlmOptions llm, DatasetGeneration job, EditKinds? mix, CancellationToken cancel)
    {
        var done = job.DoneIds();
        long reported = 0;
        var generator = llm.Build(result, job.Task, (ok, failed) =>
        {
            if (ok + failed - Interlocked.Read(ref reported) >= 50 || ok + failed == 1)
            {
                Interlocked.Exchange(ref reported, ok + failed);
                AnsiConsole.MarkupLine($"  {ok} generated, {failed} failed");
            }
        });
        AnsiConsole.MarkupLine($"[bold]{job.Task.Name}[/] with {Markup.Escape(result.GetValue(llm.Model)!)} at {Markup.Escape(result.GetValue(llm.Endpoint)!)}, concurrency {generator.Concurrency}" +
                               (mix != null ? $", mix {mix}" : "") + $"; {done.Count} already done");
        GenerationReport report;
        using (var output = new JsonlAppender(job.OutputPath))
        using (var failures = new JsonlAppender(job.FailuresPath))
            report = await generator.RunAsync(job.Pending(done, mix), output, failures, done.Count, cancel);
        AtomicFile.WriteAllText(job.ReportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"{report.RecordsGenerated} generated, {report.RecordsFailed} failed (asked again on a rerun) of {report.RecordsPending} pending; " +
                               $"{report.Requests} requests, {report.Retries} retries" +
                               (report.Failures.Count > 0 ? $" ({string.Join(", ", report.Failures.Select(kv => $"{kv.Key} {kv.Value}"))})" : "") +
                               $"; tokens {report.InputTokens} in, {report.OutputTokens} out; {report.Seconds:F1} s, {report.RecordsPerSecond} records/s, {report.OutputTokensPerSecond} tokens/s");
        AnsiConsole.MarkupLine($"report → {Markup.Escape(job.ReportPath)}");
        PrintMerge(job.Merge());
        return 0;
    }

    public static void PrintMerge(DatasetGeneration.MergeSummary merge) =>
        AnsiConsole.MarkupLine($"records.jsonl: {merge.Filled} filled; {merge.Ready} ready to train, {merge.Flagged} flagged for review" +
                               (merge.Flags.Count > 0 ? $" ({string.Join(", ", merge.Flags.Select(kv => $"{Markup.Escape(kv.Key)} {kv.Value}"))})" : ""));
}
