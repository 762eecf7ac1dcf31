using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Uip2p.Data;
using Uip2p.Data.Generation;
using Uip2p.Tests.Cli;

namespace Uip2p.Tests.Data;

/// <summary><c>uip2p data …</c> as a user runs it: option checks, and a killed <c>data triplets</c> resumed.</summary>
public class DataCliTests
{
    [Theory]
    [InlineData("import --from csv --in x --out y", "--from csv: choose one of ip2p-parquet, ip2p-folders, magicbrush-parquet, magicbrush-folders, captions.")]
    [InlineData("import --from ip2p-parquet --in /nonexistent/shards --out y", "--in /nonexistent/shards: no such file or folder.")]
    [InlineData("import --from ip2p-parquet --in . --out y --limit 0", "--limit 0: must be 1 or more.")]
    [InlineData("reverse --data /nonexistent --method rules", "--data /nonexistent: no such folder.")]
    [InlineData("reverse --data . --method guess", "--method guess: choose one of llm, rules.")]
    [InlineData("triplets --data . --mix add=1,recolour=2 --endpoint http://127.0.0.1:9/v1 --model m", "--mix add=1,recolour=2: 'recolour' is not an edit kind")]
    [InlineData("bench --local --concurrency 1,0", "--concurrency 0: each value must be a whole number between 1 and 256.")]
    public void Bad_options_are_one_plain_line_before_any_work(string args, string message)
    {
        var (code, output) = CliTests.Run(["data", .. args.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Contains("error: " + message, output.ReplaceLineEndings(" ").Replace("  ", " "));
        Assert.DoesNotContain("Exception", output);
    }

    [Fact]
    public void Llm_options_are_checked_before_anything_is_sent()
    {
        using var dir = new TempDir();
        string folder = GenerationTests.WriteDataset(dir, 2);
        int requests = 0;
        using var server = new LoopbackChatServer(_ => { Interlocked.Increment(ref requests); return new ScriptedReply.Status(500); });
        foreach (var (option, value, message) in new[]
                 {
                     ("--concurrency", "0", "--concurrency 0: must be between 1 and 256."),
                     ("--timeout", "-1", "--timeout -1: must be between 0.1 and 3600."),
                     ("--response-format", "xml", "--response-format xml: choose one of json_schema, json_object, none."),
                     ("--prompt", dir.File("missing.txt"), $"--prompt {dir.File("missing.txt")}: no such file."),
                 })
        {
            var (code, output) = CliTests.Run("data", "reverse", "--data", folder, "--endpoint", server.Endpoint.ToString(), "--model", "m", option, value);
            Assert.Equal(2, code);
            Assert.Contains("error: " + message, output);
        }
        var (c2, o2) = CliTests.Run("data", "reverse", "--data", folder, "--endpoint", "ftp://x", "--model", "m");
        Assert.Equal(2, c2);
        Assert.Contains("error: --endpoint ftp://x: not an http(s) URL", o2);
        Assert.Equal(0, requests);
    }

    [Fact]
    public void A_killed_triplets_run_resumes_without_losing_a_record_or_repeating_a_request_that_had_succeeded()
    {
        using var dir = new TempDir();
        const int count = 40;
        string folder = GenerationTests.WriteDataset(dir, count, captionsOnly: true);
        int run = 1;
        var answered = new ConcurrentBag<(int Run, string Caption)>();
        using var server = new LoopbackChatServer(r =>
        {
            string caption = GenerationTests.Field(r.User, "input caption");
            answered.Add((Volatile.Read(ref run), caption));
            return new ScriptedReply.Answer(JsonSerializer.Serialize(new
            {
                edit_instruction = "add a cat", edited_caption = caption + " with a cat", reverse_instruction = "remove the cat",
            }), TimeSpan.FromMilliseconds(40));
        });
        string[] args = ["data", "triplets", "--data", folder, "--endpoint", server.Endpoint.ToString(), "--model", "m", "--concurrency", "4", "--backoff", "0.01"];

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(TestPaths.CliDll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (answered.Count < 12 && !p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(10);
            Assert.False(p.HasExited, "the run finished before it could be killed");
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        string outputPath = Path.Combine(folder, "generated", "triplets.jsonl");
        var persisted = JsonlAppender.ReadLines(outputPath).Select(l => JsonSerializer.Deserialize<GeneratedText>(l)!.Id).ToList();
        Assert.InRange(persisted.Count, 1, count - 1);
        // records.jsonl is untouched until a run finishes: every record still waits for its texts.
        Assert.Empty(new EditDataset(folder).ReadAll());

        Volatile.Write(ref run, 2);
        var (code, output) = CliTests.Run(args);
        Assert.True(code == 0, output);
        var lines = JsonlAppender.ReadLines(outputPath).Select(l => JsonSerializer.Deserialize<GeneratedText>(l)!).ToList();
        Assert.Equal(count, lines.Count);
        Assert.Equal(count, lines.Select(l => l.Id).Distinct().Count());
        var secondRun = answered.Where(a => a.Run == 2).Select(a => a.Caption).ToList();
        var persistedCaptions = persisted.Select(id => $"a sofa in living room {int.Parse(id[1..])}").ToHashSet();
        Assert.DoesNotContain(secondRun, persistedCaptions.Contains);
        Assert.Equal(count - persisted.Count, secondRun.Count);
        Assert.Contains($"{persisted.Count} already done", output);

        var records = new EditDataset(folder).ReadAll();
        Assert.Equal(count, records.Count);
        Assert.All(records, r => Assert.Equal(r.InputCaption + " with a cat", r.EditedCaption));
    }

    [Fact]
    public void Import_then_offline_reverse_from_the_command_line()
    {
        using var dir = new TempDir();
        string shard = dir.File("train-00000-of-00001.parquet");
        ParquetFixtures.Write(shard, new[]
        {
            new ParquetFixtures.Ip2pRow { OriginalPrompt = "A sofa in the living room", OriginalImage = ParquetFixtures.Image(TestImages.Png(1)), EditPrompt = "add pillows", EditedPrompt = "A sofa in the living room with pillows", EditedImage = ParquetFixtures.Image(TestImages.Png(2)) },
            new ParquetFixtures.Ip2pRow { OriginalPrompt = "a car", OriginalImage = ParquetFixtures.Image(TestImages.Png(3)), EditPrompt = "make the car blue", EditedPrompt = "a blue car", EditedImage = ParquetFixtures.Image(TestImages.Png(4)) },
            new ParquetFixtures.Ip2pRow { OriginalPrompt = "a cat", OriginalImage = ParquetFixtures.Image([1, 2, 3]), EditPrompt = "add a hat", EditedPrompt = "a cat with a hat", EditedImage = ParquetFixtures.Image(TestImages.Png(4)) },
        });
        string output = dir.File("out");
        var (code, text) = CliTests.Run("data", "import", "--from", "ip2p-parquet", "--in", shard, "--out", output);
        Assert.True(code == 0, text);
        Assert.Contains("2 imported (2 flagged for review", text);
        Assert.Contains("1 rejected (undecodable image 1)", text);
        Assert.Contains("rows/s", text);

        var (code2, text2) = CliTests.Run("data", "reverse", "--data", output, "--method", "rules");
        Assert.True(code2 == 0, text2);
        Assert.Contains("rules inverted 1 of 2 (50.0 %)", text2);
        Assert.Contains("1 ready to train, 1 flagged for review", text2);
        var ready = new EditDataset(output).ReadAll().Single();
        Assert.Equal("remove the pillows", ready.ReverseInstruction);
    }
}
