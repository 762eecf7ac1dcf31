using System.CommandLine;
using Spectre.Console;
using Uip2p.Data.Generation;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p data bench</c>: throughput of the generation client at several concurrencies.</summary>
static class DataBenchCommand
{
    public static Command Create()
    {
        var endpoint = new Option<string?>("--endpoint") { Description = "OpenAI-compatible base URL to measure (or --local)." };
        var model = new Option<string>("--model") { Description = "Model name.", DefaultValueFactory = _ => "local" };
        var local = new Option<bool>("--local") { Description = "Measure against the built-in scripted server on 127.0.0.1 (the one the tests use): the client's own overhead." };
        var latency = new Option<int>("--latency-ms") { Description = "With --local: the server's simulated time per answer (0–10000 ms).", DefaultValueFactory = _ => 50 };
        var concurrency = new Option<string>("--concurrency") { Description = "Concurrencies to measure, comma-separated (each 1–256).", DefaultValueFactory = _ => "1,8,32" };
        var requests = new Option<int>("--requests") { Description = "Requests per concurrency (1–100000).", DefaultValueFactory = _ => 200 };
        var command = new Command("bench", "Measure generation throughput (records/s, tokens/s, latency) at several concurrencies.") { endpoint, model, local, latency, concurrency, requests };
        command.SetAction(async (result, cancel) =>
        {
            var levels = result.GetValue(concurrency)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, out int c) && c is >= 1 and <= 256 ? c : throw new ArgumentException($"--concurrency {s}: each value must be a whole number between 1 and 256.")).ToList();
            if (levels.Count == 0) throw new ArgumentException("--concurrency: give at least one value, e.g. 1,8,32.");
            int n = OptionChecks.Range("--requests", result.GetValue(requests), 1, 100000);
            int ms = OptionChecks.Range("--latency-ms", result.GetValue(latency), 0, 10000);
            bool isLocal = result.GetValue(local);
            string? url = result.GetValue(endpoint);
            if (isLocal == (url != null)) throw new ArgumentException("--endpoint / --local: give exactly one of them.");
            using var server = isLocal ? new LoopbackChatServer(_ => new ScriptedReply.Answer("""{"reverse_instruction": "remove the pillows"}""", TimeSpan.FromMilliseconds(ms))) : null;
            var uri = server?.Endpoint ?? ChatEndpoint.ParseUrl(url!);
            string name = result.GetValue(model)!;
            AnsiConsole.MarkupLine($"benchmark: {n} reverse requests per concurrency against {Markup.Escape(uri.ToString())}" + (isLocal ? $" (local scripted server, {ms} ms per answer)" : ""));
            string scratch = Path.Combine(Path.GetTempPath(), $"uip2p-bench-{Environment.ProcessId}");
            var reports = await ChatBenchmark.RunAsync(() => ChatEndpoint.Create(uri, name, Environment.GetEnvironmentVariable("OPENAI_API_KEY"), TimeSpan.FromSeconds(60)), name, levels, n, scratch, cancel);
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
            var table = new Table().AddColumns("concurrency", "records/s", "requests/s", "tokens out/s", "p50 ms", "p95 ms", "failed");
            foreach (var r in reports)
                table.AddRow($"{r.Concurrency}", $"{r.RecordsPerSecond:F1}", $"{r.RequestsPerSecond:F1}", $"{r.OutputTokensPerSecond:F0}", $"{r.LatencyP50Ms:F1}", $"{r.LatencyP95Ms:F1}", $"{r.RecordsFailed}");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
