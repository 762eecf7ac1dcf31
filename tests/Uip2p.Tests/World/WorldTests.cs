using System.Text.RegularExpressions;
using Uip2p.Data;
using Uip2p.Text;
using Uip2p.World;
using static TorchSharp.torch;

namespace Uip2p.Tests.World;

public class WorldTests
{
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    [Fact]
    public void The_generator_is_deterministic_and_each_sample_stands_alone()
    {
        var a = new WorldGenerator(11).Samples().Take(20).ToList();
        var b = new WorldGenerator(11).Samples().Take(20).ToList();
        var c = new WorldGenerator(12).Samples().Take(20).ToList();
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(a[i].InputCaption, b[i].InputCaption);
            Assert.Equal(a[i].Edit.Instruction, b[i].Edit.Instruction);
            Assert.True(Same(a[i].InputImage, b[i].InputImage) && Same(a[i].EditedImage, b[i].EditedImage));
        }
        Assert.NotEqual(a.Select(s => s.InputCaption), c.Select(s => s.InputCaption));
        var late = new WorldGenerator(11).Sample(17);
        Assert.Equal(a[17].Edit.Instruction, late.Edit.Instruction); // sample i needs no samples before it (resumable data position)
    }

    [Fact]
    public void Every_reverse_instruction_brings_the_edited_scene_back()
    {
        var counts = new Dictionary<EditKind, int>();
        foreach (var s in new WorldGenerator(5).Samples().Take(1000))
        {
            var forward = InstructionInterpreter.Apply(s.Input, s.Edit.Instruction);
            Assert.True(forward.SameAs(s.Edit.After), $"'{s.Edit.Instruction}' on {s.Input} gave {forward}, expected {s.Edit.After}");
            var back = InstructionInterpreter.Apply(s.Edit.After, s.Edit.ReverseInstruction);
            Assert.True(back.SameAs(s.Input), $"'{s.Edit.ReverseInstruction}' on {s.Edit.After} gave {back}, expected {s.Input}");
            Assert.False(s.Edit.After.SameAs(s.Input), $"'{s.Edit.Instruction}' changed nothing");
            counts[s.Edit.Kind] = counts.GetValueOrDefault(s.Edit.Kind) + 1;
        }
        Assert.Equal(Enum.GetValues<EditKind>().Length, counts.Count);
        Assert.All(counts.Values, n => Assert.True(n > 50));
    }

    [Fact]
    public void Captions_mention_exactly_what_is_drawn()
    {
        var shapes = string.Join("|", WorldVocabulary.Shapes);
        var colours = string.Join("|", WorldVocabulary.Colours.Select(c => c.Name));
        var random = new Random(3);
        for (int i = 0; i < 500; i++)
        {
            var scene = Scene.Random(random);
            string caption = Captioner.Caption(scene, random);
            var mentioned = Regex.Matches(caption, $"\\b({colours}) ({shapes})\\b").Select(m => m.Value).Order().ToList();
            Assert.Equal(scene.Objects.Select(o => o.Name).Order().ToList(), mentioned);
            Assert.Equal(scene.Objects.Count, Regex.Matches(caption, $"\\b({shapes})\\b").Count);
            Assert.Contains(scene.Background == "checkered" ? "checkered background" : $"{scene.Background} background", caption);
            foreach (var o in scene.Objects.Where(o => Regex.IsMatch(caption, $"\\b(small|medium|large) {o.Name}\\b")))
                Assert.Contains($"{o.Size} {o.Name}", caption);
            Assert.DoesNotContain("black and white", caption);
        }
        var gray = Captioner.Caption(Scene.Random(new Random(1)) with { Grayscale = true }, new Random(1));
        Assert.EndsWith("in black and white", gray);
    }

    [Fact]
    public void Renders_are_anti_aliased_and_in_range()
    {
        var scene = new Scene("black", [new SceneObject("circle", "white".Length > 0 ? "yellow" : "", "large", 4)]);
        var image = Renderer.Render(scene);
        Assert.Equal(new long[] { 3, 64, 64 }, image.shape);
        Assert.InRange(image.min().item<float>(), 0, 1);
        var distinct = image[0].flatten().data<float>().ToArray().Distinct().Count();
        Assert.True(distinct > 5, "edge pixels take intermediate values (supersampling)");
        var (r, g, b) = WorldVocabulary.Rgb("yellow");
        Assert.Equal(r / 255f, image[0, 32, 32].item<float>(), 4);
    }

    [Fact]
    public void The_mask_covers_the_change_and_global_edits_cover_everything()
    {
        foreach (var s in new WorldGenerator(8).Samples().Take(200))
        {
            var changed = (s.EditedImageClean - s.InputImage).abs().amax([0]).gt(1.5 / 255);
            Assert.True((changed & s.EditMask[0].eq(0)).sum().item<long>() == 0, $"{s.Id}: a changed pixel outside the mask");
            if (s.Edit.IsGlobal) Assert.True(s.EditMask.eq(1).all().item<bool>());
            else Assert.True(s.EditMask.mean().item<float>() < 0.5f, $"{s.Id} {s.Edit.Kind}");
        }
    }

    [Fact]
    public void The_biased_variant_changes_only_what_its_probabilities_allow()
    {
        foreach (var s in new WorldGenerator(4).Samples().Take(50))
            Assert.True(Same(s.EditedImage, s.EditedImageClean) && s.BiasApplied.Count == 0);

        foreach (var s in new WorldGenerator(4, bias: new BiasOptions(BackgroundShift: 1)).Samples().Take(50))
        {
            Assert.Equal(["background_shift"], s.BiasApplied);
            var backgroundOnly = Renderer.Render(s.Edit.After with { Objects = [] });
            var objectPixels = (s.EditedImageClean - backgroundOnly).abs().amax([0]).gt(1e-4);
            var differs = (s.EditedImage - s.EditedImageClean).abs().amax([0]).gt(1e-6);
            Assert.True((differs & objectPixels).sum().item<long>() == 0, "objects untouched by a background shift");
        }

        foreach (var s in new WorldGenerator(4, bias: new BiasOptions(OtherObjectColour: 1)).Samples().Take(100))
        {
            var differs = (s.EditedImage - s.EditedImageClean).abs().amax([0]).gt(1e-6);
            if (s.BiasApplied.Count == 0) { Assert.True(Same(s.EditedImage, s.EditedImageClean)); continue; }
            Assert.Equal(["other_object_colour"], s.BiasApplied);
            // Another object changed: its pixels lie outside the edit region, but for touching neighbours' edges.
            if (!s.Edit.IsGlobal)
                Assert.True((differs & s.EditMask[0].gt(0)).sum().item<long>() <= differs.sum().item<long>() / 10, $"{s.Id}: the edited region changed");
            Assert.True(differs.any().item<bool>());
        }

        foreach (var s in new WorldGenerator(4, bias: new BiasOptions(GlobalTint: 1)).Samples().Take(20))
        {
            Assert.Equal(["global_tint"], s.BiasApplied);
            Assert.False(Same(s.EditedImage, s.EditedImageClean));
        }
    }

    [Fact]
    public void Sessions_chain_edits_with_every_intermediate_ground_truth()
    {
        var generator = new WorldGenerator(6);
        for (int i = 0; i < 20; i++)
        {
            var turns = generator.Session(i);
            Assert.InRange(turns.Count, 2, 3);
            for (int t = 1; t < turns.Count; t++)
            {
                Assert.True(turns[t].Input.SameAs(turns[t - 1].Edit.After));
                Assert.True(Same(turns[t].InputImage, turns[t - 1].EditedImageClean));
                Assert.Equal(turns[0].Session, turns[t].Session);
                Assert.Equal(t, turns[t].Turn);
            }
        }
    }

    [Fact]
    public void The_world_tokenizer_makes_every_word_one_token()
    {
        using var dir = new TempDir();
        WorldTokenizer.Write(dir.Path);
        var tokenizer = ClipTokenizer.FromFolder(dir.Path);
        Assert.Equal(WorldTokenizer.ContextLength, tokenizer.ContextLength);
        Assert.Equal(tokenizer.EndId, tokenizer.PadId);
        Assert.True(tokenizer.VocabularySize < 1200, $"{tokenizer.VocabularySize} tokens");
        foreach (var s in new WorldGenerator(9, bias: BiasOptions.Uniform(0.2)).Samples().Take(300)
                     .SelectMany(s => new[] { s.InputCaption, s.EditedCaption, s.Edit.Instruction, s.Edit.ReverseInstruction }))
        {
            var encoded = tokenizer.Encode(s);
            Assert.False(encoded.Truncated, s);
            Assert.Equal(s.Split(' ').Length + 2, encoded.Length);
            Assert.Equal(s, tokenizer.Decode(encoded.Ids.Take(encoded.Length), skipSpecialTokens: true).Trim());
        }
    }
}

public class DatasetTests
{
    static string Write(TempDir dir, int count = 5) { WorldDataset.Write(dir.Path, count, seed: 2); return dir.Path; }

    [Fact]
    public void An_exported_world_reads_back_with_every_file()
    {
        using var dir = new TempDir();
        WorldDataset.Write(dir.Path, 8, seed: 2, bias: BiasOptions.Uniform(0.5), sessions: 2);
        var records = new EditDataset(dir.Path) { RequireGroundTruth = true }.ReadAll();
        Assert.InRange(records.Count, 12, 14);
        Assert.All(records, r => Assert.NotNull(r.EditedImageClean));
        Assert.Contains(records, r => r.Session != null && r.Turn == 1);
        Assert.True(File.Exists(Path.Combine(dir.Path, "dataset.json")));
    }

    [Fact]
    public void The_same_seed_writes_the_same_files()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        WorldDataset.Write(a.Path, 6, seed: 9);
        WorldDataset.Write(b.Path, 6, seed: 9);
        Assert.Equal(File.ReadAllText(Path.Combine(a.Path, "records.jsonl")), File.ReadAllText(Path.Combine(b.Path, "records.jsonl")));
        foreach (string f in Directory.GetFiles(Path.Combine(a.Path, "images")))
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(b.Path, "images", Path.GetFileName(f))));
    }

    static void Corrupt(string folder, int line, Func<string, string> change)
    {
        string path = Path.Combine(folder, "records.jsonl");
        var lines = File.ReadAllLines(path);
        lines[line - 1] = change(lines[line - 1]);
        File.WriteAllLines(path, lines);
    }

    [Theory]
    [InlineData("reverse", "'reverse_instruction' is missing or empty")]
    [InlineData("image", "does not exist")]
    [InlineData("caption", "'input_caption' is missing or empty")]
    [InlineData("json", "not valid JSON")]
    [InlineData("duplicate", "duplicate id")]
    [InlineData("outside", "points outside the dataset folder")]
    public void Malformed_records_are_refused_naming_the_line(string kind, string message)
    {
        using var dir = new TempDir();
        Write(dir);
        Corrupt(dir.Path, 3, line => kind switch
        {
            "reverse" => Regex.Replace(line, "\"reverse_instruction\":\"[^\"]*\",?", ""),
            "image" => line.Replace("_input.png", "_missing.png"),
            "caption" => Regex.Replace(line, "\"input_caption\":\"[^\"]*\"", "\"input_caption\":\"  \""),
            "json" => line[..(line.Length / 2)],
            "duplicate" => Regex.Replace(line, "\"id\":\"[^\"]*\"", "\"id\":\"w2-0000000\""),
            _ => line.Replace("\"images/", "\"../../etc/", StringComparison.Ordinal),
        });
        var e = Assert.Throws<DatasetRecordException>(() => new EditDataset(dir.Path).ReadAll());
        Assert.Equal(3, e.Line);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("records.jsonl", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Supervised_reading_requires_the_ground_truth()
    {
        using var dir = new TempDir();
        Write(dir);
        Corrupt(dir.Path, 2, line => Regex.Replace(line, "\"edited_image\":\"[^\"]*\",", ""));
        Assert.Equal(5, new EditDataset(dir.Path).ReadAll().Count); // fine for CEC
        var e = Assert.Throws<DatasetRecordException>(() => new EditDataset(dir.Path) { RequireGroundTruth = true }.ReadAll());
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void A_folder_without_records_is_named()
    {
        using var dir = new TempDir();
        Assert.Contains("records.jsonl", Assert.Throws<FileNotFoundException>(() => new EditDataset(dir.Path)).Message);
    }
}

public class PhotoSetTests
{
    [Fact]
    public void The_shipped_photographs_read_through_the_dataset_format()
    {
        var dataset = new EditDataset(Path.Combine(TestPaths.Repo, "data", "photos"));
        var records = dataset.ReadAll();
        Assert.Equal(6, records.Count);
        Assert.Contains(records, r => r.InputCaption == "a facial photo of a tabby cat");
        foreach (var r in records)
        {
            var image = dataset.LoadImage(r.InputImage);
            Assert.Equal(3, image.shape[1]);
            Assert.True(image.shape[2] >= 300 && image.shape[3] >= 400, r.Id);
        }
        Assert.True(File.Exists(Path.Combine(dataset.Folder, "LICENSE.md")));
    }
}
