using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Uip2p.Data;
using Uip2p.Data.Generation;

namespace Uip2p.Tests.Data;

/// <summary>
/// The generation client against a local OpenAI-protocol server on 127.0.0.1 that the test scripts: good
/// answers, malformed JSON, 429, 5xx and stalls; then the merge into records.jsonl and its checks.
/// </summary>
public class GenerationTests
{
    /// <summary>A dataset folder of imported-like records that still need their reverse instruction (or, for captions, all three texts).</summary>
    internal static string WriteDataset(TempDir dir, int count, bool captionsOnly = false)
    {
        string folder = Directory.CreateDirectory(dir.File("data")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        File.WriteAllBytes(Path.Combine(folder, "images", "0.png"), TestImages.Png(0));
        var records = Enumerable.Range(0, count).Select(i => captionsOnly
            ? new EditRecord { Id = $"r{i:D3}", InputImage = "images/0.png", InputCaption = $"a sofa in living room {i}", Review = ["needs edit_instruction", "needs edited_caption", "needs reverse_instruction"] }
            : new EditRecord
            {
                Id = $"r{i:D3}", InputImage = "images/0.png", InputCaption = $"a sofa in living room {i}", EditInstruction = "add pillows",
                EditedCaption = $"a sofa in living room {i} with pillows", Review = ["needs reverse_instruction"],
            });
        EditDataset.WriteRecords(Path.Combine(folder, EditDataset.RecordsFile), records);
        return folder;
    }

    internal static string Field(string prompt, string name) => Regex.Match(prompt, $@"^{name}: (.*)$", RegexOptions.Multiline).Groups[1].Value.Trim();

    static ChatGenerator Generator(LoopbackChatServer server, GenerationTask task, int attempts = 4, double timeoutSeconds = 10) =>
        new(ChatEndpoint.Create(server.Endpoint, "test-model", null, TimeSpan.FromSeconds(timeoutSeconds)), task,
            PromptTemplate.Default(task.Name, task.Placeholders), "test-model")
        {
            Concurrency = 4, MaxAttempts = attempts, Timeout = TimeSpan.FromSeconds(timeoutSeconds), BackoffBase = TimeSpan.FromMilliseconds(10),
        };

    static GenerationReport Run(DatasetGeneration job, ChatGenerator generator, EditKinds? mix = null)
    {
        var done = job.DoneIds();
        using var output = new JsonlAppender(job.OutputPath);
        using var failures = new JsonlAppender(job.FailuresPath);
        return generator.RunAsync(job.Pending(done, mix), output, failures, done.Count).GetAwaiter().GetResult();
    }

    static string GoodReverse(ServedRequest r) => JsonSerializer.Serialize(new { reverse_instruction = "remove the pillows from " + Field(r.User, "input caption") });

    [Fact]
    public void Good_answers_fill_every_record_and_pass_the_checks()
    {
        using var dir = new TempDir();
        string folder = WriteDataset(dir, 6);
        using var server = new LoopbackChatServer(r => new ScriptedReply.Answer(GoodReverse(r)));
        var job = new DatasetGeneration(folder, GenerationTask.Reverse);
        var report = Run(job, Generator(server, GenerationTask.Reverse));
        Assert.Equal(6, report.RecordsGenerated);
        Assert.Equal(6, report.Requests);
        Assert.Equal(0, report.Retries);
        Assert.True(report.InputTokens > 0 && report.OutputTokens > 0);

        var merge = job.Merge();
        Assert.Equal(6, merge.Ready);
        var records = new EditDataset(folder).ReadAll();
        Assert.Equal(6, records.Count);
        Assert.Equal("remove the pillows from a sofa in living room 3", records.Single(r => r.Id == "r003").ReverseInstruction);
        Assert.All(records, r => Assert.Null(r.Review));
        // The structured-output schema was sent.
        Assert.Equal(6, server.RequestCount);
    }

    [Fact]
    public void Malformed_json_429_and_stalls_are_retried_until_a_valid_answer()
    {
        using var dir = new TempDir();
        string folder = WriteDataset(dir, 3);
        var seen = new ConcurrentDictionary<string, int>();
        using var server = new LoopbackChatServer(r =>
        {
            string caption = Field(r.User, "input caption");
            int attempt = seen.AddOrUpdate(caption, 1, (_, n) => n + 1);
            return (caption, attempt) switch
            {
                ("a sofa in living room 0", 1) => new ScriptedReply.Answer("{\"reverse_instruction\": \"remove the"),   // cut-off JSON
                ("a sofa in living room 0", 2) => new ScriptedReply.Answer("{\"reverse\": \"remove the pillows\"}"),   // wrong schema
                ("a sofa in living room 1", 1) => new ScriptedReply.Status(429),
                ("a sofa in living room 1", 2) => new ScriptedReply.Status(503),
                ("a sofa in living room 2", 1) => new ScriptedReply.Stall(TimeSpan.FromSeconds(20)),
                _ => new ScriptedReply.Answer("```json\n" + GoodReverse(r) + "\n```"),
            };
        });
        var job = new DatasetGeneration(folder, GenerationTask.Reverse);
        var report = Run(job, Generator(server, GenerationTask.Reverse, timeoutSeconds: 3));
        Assert.Equal(3, report.RecordsGenerated);
        Assert.Equal(0, report.RecordsFailed);
        Assert.Equal(8, report.Requests); // 3 + 3 + 2 attempts
        Assert.Equal(5, report.Retries);
        Assert.Equal(2, report.Failures["invalid answer"]);
        Assert.Equal(1, report.Failures["http 429"]);
        Assert.Equal(1, report.Failures["http 503"]);
        Assert.Equal(1, report.Failures["timeout"]);
        var lines = JsonlAppender.ReadLines(job.OutputPath).Select(l => JsonSerializer.Deserialize<GeneratedText>(l)!).ToDictionary(g => g.Id);
        Assert.Equal(3, lines["r000"].Attempts);
        Assert.Equal("llm:test-model", lines["r000"].Method);
    }

    [Fact]
    public void A_record_that_keeps_failing_is_written_as_a_failure_and_asked_again_on_the_next_run()
    {
        using var dir = new TempDir();
        string folder = WriteDataset(dir, 2);
        var job = new DatasetGeneration(folder, GenerationTask.Reverse);
        using (var failing = new LoopbackChatServer(r => Field(r.User, "input caption").EndsWith('1') ? new ScriptedReply.Status(500) : new ScriptedReply.Answer(GoodReverse(r))))
        {
            var report = Run(job, Generator(failing, GenerationTask.Reverse, attempts: 3));
            Assert.Equal(1, report.RecordsGenerated);
            Assert.Equal(1, report.RecordsFailed);
            Assert.Equal(4, report.Requests); // 1 + 3 attempts, no more
        }
        Assert.Contains("\"r001\"", File.ReadAllText(job.FailuresPath));
        job.Merge();
        Assert.Single(new EditDataset(folder).ReadAll());

        var asked = new ConcurrentBag<string>();
        using var good = new LoopbackChatServer(r => { asked.Add(Field(r.User, "input caption")); return new ScriptedReply.Answer(GoodReverse(r)); });
        var second = Run(job, Generator(good, GenerationTask.Reverse));
        Assert.Equal(["a sofa in living room 1"], asked);
        Assert.Equal(1, second.RecordsAlreadyDone);
        job.Merge();
        Assert.Equal(2, new EditDataset(folder).ReadAll().Count);
    }

    [Fact]
    public void An_answer_that_fails_the_checks_is_kept_but_flagged_and_not_trained_on()
    {
        using var dir = new TempDir();
        string folder = WriteDataset(dir, 2);
        using var server = new LoopbackChatServer(r => new ScriptedReply.Answer(Field(r.User, "input caption").EndsWith('0')
            ? """{"reverse_instruction": "make the sky blue"}""" : GoodReverse(r)));
        var job = new DatasetGeneration(folder, GenerationTask.Reverse);
        Run(job, Generator(server, GenerationTask.Reverse));
        var merge = job.Merge();
        Assert.Equal(1, merge.Flagged);
        var dataset = new EditDataset(folder);
        Assert.Equal(["r001"], dataset.ReadAll().Select(r => r.Id));
        Assert.Equal(1, dataset.SkippedFlagged);
        var flagged = new EditDataset(folder) { IncludeFlagged = true }.ReadAll().Single(r => r.Id == "r000");
        Assert.Equal("make the sky blue", flagged.ReverseInstruction);
        Assert.Equal(["check: the reverse instruction does not name what the forward edit changed"], flagged.Review!);
    }

    [Fact]
    public void Triplets_follow_the_requested_mix_of_edit_kinds()
    {
        using var dir = new TempDir();
        string folder = WriteDataset(dir, 10, captionsOnly: true);
        var kinds = new ConcurrentBag<string>();
        using var server = new LoopbackChatServer(r =>
        {
            string caption = Field(r.User, "input caption");
            string kind = Field(r.User, "kind").Split(' ')[0];
            kinds.Add(kind);
            return new ScriptedReply.Answer(kind == "add"
                ? JsonSerializer.Serialize(new { edit_instruction = "add a cat", edited_caption = caption + " with a cat", reverse_instruction = "remove the cat" })
                : JsonSerializer.Serialize(new { edit_instruction = "remove the sofa", edited_caption = "a living room", reverse_instruction = "add the sofa back" }));
        });
        var job = new DatasetGeneration(folder, GenerationTask.Triplets);
        var report = Run(job, Generator(server, GenerationTask.Triplets), EditKinds.Parse("add=3,remove=2"));
        Assert.Equal(10, report.RecordsGenerated);
        Assert.Equal(6, kinds.Count(k => k == "add"));
        Assert.Equal(4, kinds.Count(k => k == "remove"));
        job.Merge();
        var records = new EditDataset(folder).ReadAll();
        Assert.Equal(10, records.Count);
        var r0 = records[0];
        Assert.Equal("add", r0.EditKind);
        Assert.Equal("add a cat", r0.EditInstruction);
        Assert.Equal("a sofa in living room 0 with a cat", r0.EditedCaption);
        Assert.Equal("remove the cat", r0.ReverseInstruction);
    }

    [Fact]
    public void The_offline_rules_fill_what_they_can_invert_and_flag_the_rest()
    {
        using var dir = new TempDir();
        string folder = Directory.CreateDirectory(dir.File("data")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "0.png"), TestImages.Png(0));
        EditDataset.WriteRecords(Path.Combine(folder, EditDataset.RecordsFile),
        [
            new EditRecord { Id = "a", InputImage = "0.png", InputCaption = "A man wearing a denim jacket", EditInstruction = "make the jacket a rain coat", EditedCaption = "A man wearing a rain coat", Review = ["needs reverse_instruction"] },
            new EditRecord { Id = "b", InputImage = "0.png", InputCaption = "a car", EditInstruction = "make the car blue", EditedCaption = "a blue car", Review = ["needs reverse_instruction"] },
        ]);
        var job = new DatasetGeneration(folder, GenerationTask.Reverse);
        var coverage = job.RunRules(job.DoneIds());
        Assert.Equal((1L, 0L), coverage["swap"]);
        Assert.Equal((0L, 1L), coverage["colour"]);
        job.Merge();
        var all = new EditDataset(folder) { IncludeFlagged = true }.ReadAll();
        Assert.Equal("make the coat a denim jacket", all[0].ReverseInstruction);
        Assert.Null(all[0].Review);
        Assert.Equal("", all[1].ReverseInstruction);
        Assert.Equal(["needs reverse_instruction", "rules: cannot invert (colour): the input caption does not give the original colour of the car"], all[1].Review!);
        // Rerunning changes nothing: answered records are not asked again.
        Assert.Empty(job.RunRules(job.DoneIds()));
    }

    [Fact]
    public void A_prompt_file_must_use_the_texts_the_task_needs()
    {
        var e = Assert.Throws<InvalidDataException>(() => PromptTemplate.Parse("system\n---\ncaption: {input_caption}", "my.txt", GenerationTask.Reverse.Placeholders));
        Assert.Contains("{edit_instruction}, {edited_caption}", e.Message);
        var e2 = Assert.Throws<InvalidDataException>(() => PromptTemplate.Parse("{input_caption} {edit_kind} {colour}", "my.txt", GenerationTask.Triplets.Placeholders));
        Assert.Contains("unknown placeholder {colour}", e2.Message);
        var ok = PromptTemplate.Parse("be brief\n---\n{input_caption} / {edit_kind}", "my.txt", GenerationTask.Triplets.Placeholders);
        Assert.Equal(("be brief", "a sofa / add"), ok.Render(new Dictionary<string, string> { ["input_caption"] = "a sofa", ["edit_kind"] = "add" }));
    }
}
