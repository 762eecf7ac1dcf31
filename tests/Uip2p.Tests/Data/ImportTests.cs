using System.Text.Json;
using Uip2p.Data;
using Uip2p.Data.Import;
using Uip2p.Imaging;
using static Uip2p.Tests.Data.ParquetFixtures;

namespace Uip2p.Tests.Data;

/// <summary>Each importer on small files written here in its format, malformed rows included.</summary>
public class ImportTests
{
    static ImportSummary Import(string format, string input, string output, string? images = null, long? limit = null, long? maxPixels = null) =>
        new DatasetImporter(ImportFormat.Open(format, input, images), output, input) { Limit = limit, MaxPixels = maxPixels }
            .RunAsync().GetAwaiter().GetResult();

    static List<EditRecord> AllRecords(string folder) => new EditDataset(folder) { IncludeFlagged = true }.ReadAll();

    static List<ImportReject> Rejects(string folder) =>
        JsonlAppender.ReadLines(Path.Combine(folder, DatasetImporter.RejectsFile)).Select(l => JsonSerializer.Deserialize<ImportReject>(l)!).ToList();

    static string WriteIp2pShards(TempDir dir)
    {
        string input = Directory.CreateDirectory(dir.File("hf")).FullName;
        var bad = new List<Ip2pRow>
        {
            Good(0),
            new() { OriginalPrompt = null, OriginalImage = Image(TestImages.Png(1)), EditPrompt = "add a hat", EditedPrompt = "x", EditedImage = Image(TestImages.Png(2)) },
            Good(2),
            new() { OriginalPrompt = "a dog", OriginalImage = Image(TestImages.Truncated(3)), EditPrompt = "add a hat", EditedPrompt = "a dog with a hat", EditedImage = Image(TestImages.Png(4)) },
            new() { OriginalPrompt = "a dog", OriginalImage = Image(TestImages.Png(5)), EditPrompt = "   ", EditedPrompt = "a dog with a hat", EditedImage = Image(TestImages.Png(6)) },
        };
        Write(Path.Combine(input, "train-00000-of-00002.parquet"), bad);
        Write(Path.Combine(input, "train-00001-of-00002.parquet"), new[] { Good(10), Good(11), new Ip2pRow
        {
            OriginalPrompt = "a cat", OriginalImage = Image(null, "elsewhere.jpg"), EditPrompt = "add a hat", EditedPrompt = "a cat with a hat", EditedImage = Image(TestImages.Png(7)),
        } });
        return input;
    }

    [Fact]
    public void Ip2p_parquet_imports_good_rows_and_rejects_each_bad_one_with_shard_row_and_reason()
    {
        using var dir = new TempDir();
        string input = WriteIp2pShards(dir);
        string output = dir.File("out");
        var summary = Import("ip2p-parquet", input, output);

        Assert.Equal(4, summary.Imported);
        Assert.Equal(4, summary.Rejected);
        Assert.Equal(8, summary.RowsThisRun);
        Assert.Equal(2, summary.ShardsDone);
        var rejects = Rejects(output).ToDictionary(r => (r.Shard, r.Row));
        Assert.StartsWith("missing field: 'original_prompt'", rejects[("train-00000-of-00002.parquet", "1")].Reason);
        Assert.StartsWith("undecodable image: input:", rejects[("train-00000-of-00002.parquet", "3")].Reason);
        Assert.Contains("truncated PNG", rejects[("train-00000-of-00002.parquet", "3")].Reason);
        Assert.StartsWith("empty text: 'edit_prompt'", rejects[("train-00000-of-00002.parquet", "4")].Reason);
        Assert.StartsWith("missing image: 'original_image' has no bytes", rejects[("train-00001-of-00002.parquet", "2")].Reason);

        // Flagged until a reverse instruction exists: not trained on by default, readable on request.
        var plain = new EditDataset(output);
        Assert.Empty(plain.ReadAll());
        Assert.Equal(4, plain.SkippedFlagged);
        var records = AllRecords(output);
        Assert.Equal(["ip2p-train-00000-of-00002-000000", "ip2p-train-00000-of-00002-000002", "ip2p-train-00001-of-00002-000000", "ip2p-train-00001-of-00002-000001"], records.Select(r => r.Id));
        var first = records[0];
        Assert.Equal("a photo of a red car number 0", first.InputCaption);
        Assert.Equal("make the car blue", first.EditInstruction);
        Assert.Equal(["needs reverse_instruction"], first.Review!);
        Assert.Equal("ip2p-parquet:train-00000-of-00002.parquet#0", first.Origin);
        Assert.EndsWith(".jpg", first.InputImage);
        Assert.EndsWith(".png", first.EditedImage);
        // The bytes are copied unchanged.
        Assert.Equal(TestImages.Jpeg(0), File.ReadAllBytes(Path.Combine(output, first.InputImage)));
        using var t = ImageIO.Load(Path.Combine(output, first.EditedImage!));
        Assert.Equal([1, 3, 12, 16], t.shape);

        var saved = JsonSerializer.Deserialize<ImportSummary>(File.ReadAllText(Path.Combine(output, DatasetImporter.SummaryFile)))!;
        Assert.Equal(4, saved.Imported);
        Assert.Equal(2, saved.Reasons["missing field"] + saved.Reasons["empty text"]);
    }

    [Fact]
    public void A_cut_off_import_resumes_to_the_same_result_without_repeating_rows()
    {
        using var dir = new TempDir();
        string input = WriteIp2pShards(dir);
        string once = dir.File("once"), twice = dir.File("twice");
        Import("ip2p-parquet", input, once);

        var first = Import("ip2p-parquet", input, twice, limit: 3);
        Assert.Equal(3, first.RowsThisRun);
        Assert.Equal(0, first.ShardsDone);
        // A write cut off by a kill leaves a torn last line: the rerun drops it and re-imports that row.
        File.AppendAllText(Path.Combine(twice, EditDataset.RecordsFile), "{\"id\":\"ip2p-train-00000-of-00002-0000");
        var second = Import("ip2p-parquet", input, twice);
        Assert.Equal(5, second.RowsThisRun);
        Assert.Equal(3, second.SkippedAlreadyDone);
        Assert.Equal(4, second.Imported);
        Assert.Equal(4, second.Rejected);
        Assert.Equal(File.ReadAllText(Path.Combine(once, EditDataset.RecordsFile)), File.ReadAllText(Path.Combine(twice, EditDataset.RecordsFile)));
        Assert.Equal(Rejects(once), Rejects(twice));

        var third = Import("ip2p-parquet", input, twice);
        Assert.Equal(0, third.RowsThisRun);
        Assert.Equal(0, third.SkippedAlreadyDone); // finished shards are not even read
    }

    [Fact]
    public void A_shard_without_a_column_and_a_corrupt_shard_are_rejected_by_name()
    {
        using var dir = new TempDir();
        string input = Directory.CreateDirectory(dir.File("hf")).FullName;
        Write(Path.Combine(input, "a.parquet"), new[] { new Ip2pRowWithoutEdited { OriginalPrompt = "x", OriginalImage = Image(TestImages.Png(1)), EditPrompt = "y", EditedImage = Image(TestImages.Png(2)) } });
        File.WriteAllBytes(Path.Combine(input, "b.parquet"), [.. "PAR1"u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        Write(Path.Combine(input, "c.parquet"), new[] { Good(1) });
        string output = dir.File("out");
        var summary = Import("ip2p-parquet", input, output);
        Assert.Equal(1, summary.Imported);
        var rejects = Rejects(output);
        Assert.Equal(2, rejects.Count);
        Assert.Equal("a.parquet", rejects[0].Shard);
        Assert.StartsWith("missing column: 'edited_prompt'", rejects[0].Reason);
        Assert.Equal("b.parquet", rejects[1].Shard);
        Assert.StartsWith("unreadable shard:", rejects[1].Reason);
    }

    [Fact]
    public void Images_over_the_decoder_limit_are_rejected_before_decoding()
    {
        using var dir = new TempDir();
        string input = dir.File("one.parquet");
        Write(input, new[] { Good(1) });
        string output = dir.File("out");
        var summary = Import("ip2p-parquet", input, output, maxPixels: 100);
        Assert.Equal(0, summary.Imported);
        Assert.Contains("more than the limit of 100", Rejects(output).Single().Reason);
    }

    [Fact]
    public void The_output_folder_must_be_new_or_the_same_import()
    {
        using var dir = new TempDir();
        string input = dir.File("one.parquet");
        Write(input, new[] { Good(1) });
        string other = Directory.CreateDirectory(dir.File("other")).FullName;
        File.WriteAllText(Path.Combine(other, "notes.txt"), "mine");
        var e = Assert.Throws<IOException>(() => Import("ip2p-parquet", input, other));
        Assert.Contains("not empty", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(other, "notes.txt")));

        string output = dir.File("out");
        Import("ip2p-parquet", input, output);
        Write(dir.File("mb.parquet"), new[] { new MagicBrushRow { ImgId = "1", TurnIndex = 1, Instruction = "x" } });
        var e2 = Assert.Throws<IOException>(() => Import("magicbrush-parquet", dir.File("mb.parquet"), output));
        Assert.Contains("holds an import of ip2p-parquet", e2.Message);
    }

    [Fact]
    public void Ip2p_folders_read_prompt_json_with_caption_or_input_and_the_seeds_list()
    {
        using var dir = new TempDir();
        string root = Directory.CreateDirectory(dir.File("ip2p")).FullName;
        void Prompt(string name, string json, params int[] seeds)
        {
            string d = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
            File.WriteAllText(Path.Combine(d, "prompt.json"), json);
            foreach (int s in seeds)
            {
                File.WriteAllBytes(Path.Combine(d, $"{s}_0.jpg"), TestImages.Jpeg(s));
                File.WriteAllBytes(Path.Combine(d, $"{s}_1.jpg"), TestImages.Jpeg(s + 1));
            }
        }
        Prompt("0000001", """{"caption": "a sofa in the living room", "edit": "add pillows", "output": "a sofa in the living room with pillows", "url": "http://x"}""", 11, 12);
        Prompt("0000002", """{"input": "a man wearing a denim jacket", "edit": "make the jacket a rain coat", "output": "a man wearing a rain coat", "url": "http://y"}""", 21);
        Prompt("0000003", """{"input": "a tree", "edit": "", "output": "a tree in winter"}""", 31);
        Directory.CreateDirectory(Path.Combine(root, "0000004"));
        File.WriteAllText(Path.Combine(root, "seeds.json"), """[["0000001", [11, 12]], ["0000002", [21, 22]], ["0000003", [31]], ["0000004", [41]]]""");
        string output = dir.File("out");
        var summary = Import("ip2p-folders", root, output);
        Assert.Equal(3, summary.Imported);
        Assert.Equal(3, summary.Rejected);
        var records = AllRecords(output);
        Assert.Equal(["ip2p-0000001-11", "ip2p-0000001-12", "ip2p-0000002-21"], records.Select(r => r.Id));
        Assert.Equal("a man wearing a denim jacket", records[2].InputCaption);
        var reasons = Rejects(output).ToDictionary(r => r.Id, r => r.Reason);
        Assert.StartsWith("missing image:", reasons["ip2p-0000002-22"]);
        Assert.StartsWith("empty text: 'edit'", reasons["ip2p-0000003#prompt"]);
        Assert.Contains("prompt.json does not exist", reasons["ip2p-0000004#prompt"]);
    }

    [Fact]
    public void MagicBrush_parquet_keeps_sessions_turns_masks_and_ground_truth()
    {
        using var dir = new TempDir();
        string input = dir.File("dev-00000-of-00001.parquet");
        Write(input, new[]
        {
            new MagicBrushRow { ImgId = "327726", TurnIndex = 1, SourceImg = Image(TestImages.Png(1)), MaskImg = Image(TestImages.Png(2)), Instruction = "Put a hat on the dog", TargetImg = Image(TestImages.Png(3)) },
            new MagicBrushRow { ImgId = "327726", TurnIndex = 2, SourceImg = Image(TestImages.Png(3)), MaskImg = Image(TestImages.Png(4)), Instruction = "make the hat red", TargetImg = Image(TestImages.Png(5)) },
            new MagicBrushRow { ImgId = "5", TurnIndex = 1, SourceImg = Image(TestImages.Png(1)), MaskImg = null, Instruction = "x", TargetImg = Image(TestImages.Png(3)) },
        });
        string output = dir.File("out");
        var summary = Import("magicbrush-parquet", input, output);
        Assert.Equal(2, summary.Imported);
        Assert.StartsWith("missing field: 'mask_img' is null", Rejects(output).Single().Reason);
        var r = AllRecords(output);
        Assert.Equal("mb-327726-t2", r[1].Id);
        Assert.Equal("327726", r[1].Session);
        Assert.Equal(2, r[1].Turn);
        Assert.NotNull(r[1].EditMask);
        Assert.NotNull(r[1].EditedImage);
        Assert.Equal(["needs input_caption", "needs edited_caption", "needs reverse_instruction"], r[1].Review!);
    }

    [Fact]
    public void MagicBrush_folders_read_the_test_split_layout_with_its_captions()
    {
        string fixture = Path.Combine(TestPaths.Oracle, "metrics-tiny", "magicbrush", "test");
        Assert.True(File.Exists(Path.Combine(fixture, "edit_sessions.json")), $"the MagicBrush-layout fixture is missing under {fixture}");
        using var dir = new TempDir();
        string output = dir.File("out");
        var summary = Import("magicbrush-folders", fixture, output);
        Assert.Equal(16, summary.Imported);
        Assert.Equal(0, summary.Rejected);
        var first = AllRecords(output).First(x => x.Id == "mb-100017-t2");
        Assert.Equal("Remove the space shuttle model.", first.EditInstruction);
        Assert.Equal("An astronaut in a blue spacesuit smiling in front of an American flag and a model of the space shuttle.", first.InputCaption);
        Assert.Equal("An astronaut in a blue spacesuit smiling in front of an American flag and a plain grey wall.", first.EditedCaption);
        Assert.Equal(["needs reverse_instruction"], first.Review!);
        Assert.NotNull(first.EditMask);
    }

    [Fact]
    public void MagicBrush_folders_reject_a_turn_whose_image_or_caption_is_missing()
    {
        using var dir = new TempDir();
        string root = Directory.CreateDirectory(dir.File("mb")).FullName;
        string images = Directory.CreateDirectory(Path.Combine(root, "images", "7")).FullName;
        File.WriteAllBytes(Path.Combine(images, "7-input.png"), TestImages.Png(1));
        File.WriteAllBytes(Path.Combine(images, "7-output1.png"), TestImages.Png(2));
        File.WriteAllText(Path.Combine(root, "edit_sessions.json"), """
            {"7": [{"input": "7-input.png", "mask": "", "output": "7-output1.png", "instruction": "add a boat"},
                   {"input": "7-output1.png", "mask": "", "output": "7-output2.png", "instruction": "remove the boat"},
                   {"input": "7-output2.png", "mask": "", "output": "7-output3.png", "instruction": "make it night"}]}
            """);
        File.WriteAllText(Path.Combine(root, "global_descriptions.json"), """
            {"7": {"7-input.png": "a lake", "7-output1.png": "a lake with a boat", "7-output2.png": "a lake"}}
            """);
        string output = dir.File("out");
        var summary = Import("magicbrush-folders", root, output);
        Assert.Equal(1, summary.Imported);
        var reasons = Rejects(output).ToDictionary(r => r.Row, r => r.Reason);
        Assert.StartsWith("missing image:", reasons["2"]);
        Assert.StartsWith("missing field: 'global_descriptions[7][7-output3.png]'", reasons["3"]);
    }

    [Fact]
    public void A_caption_tsv_takes_images_from_a_local_folder_and_rejects_rows_without_one()
    {
        using var dir = new TempDir();
        string tsv = dir.File("Train_GCC-training.tsv");
        File.WriteAllText(tsv, "a sofa in the living room\thttp://a/1.jpg\n\thttp://a/2.jpg\na man wearing a denim jacket\thttp://a/3.jpg\na dog on a beach\thttp://a/4.jpg\n");
        string images = Directory.CreateDirectory(dir.File("images")).FullName;
        File.WriteAllBytes(Path.Combine(images, "000000000.jpg"), TestImages.Jpeg(1));
        Directory.CreateDirectory(Path.Combine(images, "00000"));
        File.WriteAllBytes(Path.Combine(images, "00000", "000000002.png"), TestImages.Png(2));
        string output = dir.File("out");
        var summary = Import("captions", tsv, output, images);
        Assert.Equal(2, summary.Imported);
        var reasons = Rejects(output).ToDictionary(r => r.Row, r => r.Reason);
        Assert.StartsWith("empty text: 'caption'", reasons["1"]);
        Assert.StartsWith("missing image: no local image for row 3", reasons["3"]);
        var r = AllRecords(output);
        Assert.Equal("a man wearing a denim jacket", r[1].InputCaption);
        Assert.Equal(["needs edit_instruction", "needs edited_caption", "needs reverse_instruction"], r[1].Review!);

        var e = Assert.Throws<ArgumentException>(() => ImportFormat.Open("captions", tsv));
        Assert.StartsWith("--images: required", e.Message);
    }

    [Fact]
    public void An_img2dataset_folder_takes_captions_from_txt_or_json()
    {
        using var dir = new TempDir();
        string root = Directory.CreateDirectory(dir.File("cc3m")).FullName;
        string s0 = Directory.CreateDirectory(Path.Combine(root, "00000")).FullName;
        string s1 = Directory.CreateDirectory(Path.Combine(root, "00001")).FullName;
        File.WriteAllBytes(Path.Combine(s0, "000000000.jpg"), TestImages.Jpeg(1));
        File.WriteAllText(Path.Combine(s0, "000000000.txt"), "a red car\n");
        File.WriteAllBytes(Path.Combine(s0, "000000001.jpg"), TestImages.Jpeg(2));
        File.WriteAllText(Path.Combine(s0, "000000001.json"), """{"caption": "a blue boat", "url": "http://x", "status": "success"}""");
        File.WriteAllBytes(Path.Combine(s1, "000010000.jpg"), TestImages.Truncated(3));
        File.WriteAllText(Path.Combine(s1, "000010000.txt"), "a cat");
        File.WriteAllBytes(Path.Combine(s1, "000010001.jpg"), TestImages.Jpeg(4));
        File.WriteAllText(Path.Combine(root, "00000_stats.json"), "{}");
        string output = dir.File("out");
        var summary = Import("captions", root, output);
        Assert.Equal(2, summary.Imported);
        Assert.Equal(2, summary.Shards);
        Assert.Equal(["a red car", "a blue boat"], AllRecords(output).Select(r => r.InputCaption));
        var reasons = Rejects(output).ToDictionary(r => r.Row, r => r.Reason);
        Assert.StartsWith("undecodable image:", reasons["000010000.jpg"]);
        Assert.StartsWith("missing field: '000010001.txt", reasons["000010001.jpg"]);
    }
}
