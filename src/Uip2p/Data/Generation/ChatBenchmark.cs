namespace Uip2p.Data.Generation;

/// <summary>
/// Throughput of the generation client at several concurrencies against one endpoint: the same reverse
/// requests, the same retry and validation path as <c>data reverse</c>, output to a scratch file.
/// </summary>
public static class ChatBenchmark
{
    public static async Task<List<GenerationReport>> RunAsync(Func<Microsoft.Extensions.AI.IChatClient> client, string model, IReadOnlyList<int> concurrencies,
        int requests, string scratchFolder, CancellationToken cancel = default)
    {
        var prompt = PromptTemplate.Default("reverse", GenerationTask.Reverse.Placeholders);
        var reports = new List<GenerationReport>();
        Directory.CreateDirectory(scratchFolder);
        foreach (int c in concurrencies)
        {
            string stem = Path.Combine(scratchFolder, $"bench-c{c}-{Guid.NewGuid():N}");
            using (var output = new JsonlAppender(stem + ".jsonl"))
            using (var failures = new JsonlAppender(stem + ".failures.jsonl"))
            {
                var generator = new ChatGenerator(client(), GenerationTask.Reverse, prompt, model) { Concurrency = c, MaxAttempts = 3, BackoffBase = TimeSpan.FromMilliseconds(100) };
                var work = Enumerable.Range(0, requests).Select(i => new GenerationRequest($"bench-{i}", new Dictionary<string, string>
                {
                    ["input_caption"] = $"A sofa in living room number {i}", ["edit_instruction"] = "add pillows", ["edited_caption"] = $"A sofa in living room number {i} with pillows",
                }, null));
                reports.Add(await generator.RunAsync(work, output, failures, 0, cancel));
            }
            File.Delete(stem + ".jsonl");
            File.Delete(stem + ".failures.jsonl");
        }
        return reports;
    }
}
