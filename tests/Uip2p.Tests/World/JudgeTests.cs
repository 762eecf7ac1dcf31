using Uip2p.Pipelines;
using Uip2p.World;
using static TorchSharp.torch;

namespace Uip2p.Tests.World;

/// <summary>The scene reader and the edit judge: exact on rendered scenes, and each verdict means what it says.</summary>
public class JudgeTests
{
    /// <summary>What a PNG keeps of an image: 8 bits a channel.</summary>
    static Tensor Quantized(Tensor image) => (image * 255).round() / 255;

    [Fact]
    public void The_reader_recovers_every_rendered_scene_exactly()
    {
        var scenes = new List<Scene>();
        foreach (var s in new WorldGenerator(21).Samples().Take(500)) { scenes.Add(s.Input); scenes.Add(s.Edit.After); }
        // Crowded rows and columns of large objects, where neighbours touch (adjacent large diamonds overlap).
        var random = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            int[] slots = random.Next(2) == 0 ? [3 * random.Next(3), 3 * random.Next(3) + 1, 3 * random.Next(3) + 2] : [random.Next(3), random.Next(3) + 3, random.Next(3) + 6];
            var objects = slots.Select((slot, k) => new SceneObject(WorldVocabulary.Shapes[random.Next(5)], WorldVocabulary.Colours[k * 2 + random.Next(2)].Name,
                random.Next(3) == 0 ? "medium" : "large", slot)).ToList();
            scenes.Add(new Scene(WorldVocabulary.Backgrounds[random.Next(4)], objects, random.Next(4) == 0));
        }
        Assert.True(scenes.Count(s => s.Grayscale) > 50 && scenes.Count(s => s.Background == "checkered") > 100);
        var wrong = scenes.Select(s => (Truth: s, Read: SceneReader.Read(Renderer.Render(s)))).Where(p => !p.Read.SameAs(p.Truth)).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {scenes.Count} misread, e.g. {string.Join(" | ", wrong.Take(3).Select(p => $"{p.Truth} read as {p.Read}"))}");
    }

    [Fact]
    public void Ground_truth_passes_and_identity_fails_only_the_edit_for_every_kind()
    {
        var kinds = new Dictionary<EditKind, int>();
        var generator = new WorldGenerator(22);
        var samples = generator.Samples().Take(600).Concat(Enumerable.Range(0, 40).SelectMany(i => generator.Session(i))).ToList();
        foreach (var s in samples)
        {
            foreach (var truth in new[] { s.EditedImageClean, Quantized(s.EditedImageClean) })
            {
                var v = EditJudge.Judge(s.Edit, truth);
                Assert.True(v.Success, $"{s.Id} '{s.Edit.Instruction}' on {s.Input}: ground truth judged {v.Reason} (read {v.Read})");
                Assert.Equal("done, rest kept", v.Reason);
            }
            var identity = EditJudge.Judge(s.Edit, Quantized(s.InputImage));
            Assert.False(identity.EditHappened, $"{s.Id} '{s.Edit.Instruction}': the unchanged input passed as the edit");
            Assert.True(identity.RestKept, $"{s.Id} '{s.Edit.Instruction}': the unchanged input broke the rest: {identity.Reason}");
            Assert.StartsWith("not done: ", identity.Reason);
            Assert.StartsWith("✗ ", identity.Caption);
            kinds[s.Edit.Kind] = kinds.GetValueOrDefault(s.Edit.Kind) + 1;
        }
        Assert.All(Enum.GetValues<EditKind>(), k => Assert.True(kinds.GetValueOrDefault(k) >= 40, $"{k}: {kinds.GetValueOrDefault(k)} edits"));
        Assert.Contains(samples, s => s.Input.Grayscale); // "bring back the colours" from session turns
    }

    /// <summary>
    /// For each kind: an output that does the wrong change (edit not done, rest kept) and one that does the edit and
    /// changes something else too (done, rest broken), rendered and judged from pixels.
    /// </summary>
    [Fact]
    public void Wrong_edits_fail_what_they_get_wrong()
    {
        var random = new Random(7);
        var checkedKinds = new HashSet<(EditKind, string)>();
        foreach (var s in new WorldGenerator(23).Samples().Take(300))
        {
            var (before, after) = (s.Edit.Before, s.Edit.After);
            foreach (var (name, scene, happened, kept) in WrongOutputs(s.Edit, random))
            {
                var v = EditJudge.Judge(s.Edit, Renderer.Render(scene));
                Assert.True(v.EditHappened == happened && v.RestKept == kept,
                    $"'{s.Edit.Instruction}' on {before}, {name} output {scene}: judged happened={v.EditHappened} kept={v.RestKept} ({v.Reason})");
                Assert.False(v.Success);
                Assert.NotEqual("done, rest kept", v.Reason);
                checkedKinds.Add((s.Edit.Kind, name));
            }
        }
        foreach (var kind in Enum.GetValues<EditKind>())
        {
            Assert.Contains((kind, "wrong change"), checkedKinds);
            Assert.Contains((kind, "collateral"), checkedKinds);
        }
    }

    static IEnumerable<(string Name, Scene Scene, bool Happened, bool Kept)> WrongOutputs(WorldEdit edit, Random random)
    {
        var (before, after) = (edit.Before, edit.After);
        var target = after.Objects.Except(before.Objects).FirstOrDefault();
        var gone = before.Objects.Except(after.Objects).FirstOrDefault();
        string OtherBackground(params string[] not) => WorldVocabulary.Backgrounds.First(b => !not.Contains(b));
        switch (edit.Kind)
        {
            case EditKind.Colour:
            {
                string third = WorldVocabulary.Colours.Select(c => c.Name).First(c => c != gone!.Colour && c != target!.Colour && before.Find(c, target.Shape) == null);
                yield return ("wrong change", after.Replace(target!, target! with { Colour = third }), false, true);
                break;
            }
            case EditKind.Size:
                if (WorldVocabulary.Sizes.Select(x => x.Name).FirstOrDefault(x => x != gone!.Size && x != target!.Size) is { } overshot)
                    yield return ("wrong change", after.Replace(target!, target! with { Size = overshot }), false, true); // overshot
                break;
            case EditKind.Add:
                if (Enumerable.Range(0, 9).FirstOrDefault(i => i != target!.Slot && after.SlotFree(i), -1) is var slot and >= 0)
                    yield return ("wrong change", after.Replace(target!, target! with { Slot = slot }), false, false); // missing here, extra there
                yield return ("wrong change", after.Replace(target!, target! with { Shape = WorldVocabulary.Shapes.First(x => x != target!.Shape) }), false, true);
                break;
            case EditKind.Remove:
                yield return ("wrong change", before.Without(before.Objects.First(o => o != gone)), false, false);
                break;
            case EditKind.Move:
                if (Enumerable.Range(0, 9).FirstOrDefault(i => i != target!.Slot && i != gone!.Slot && after.SlotFree(i), -1) is var to and >= 0)
                    yield return ("wrong change", after.Replace(target!, target! with { Slot = to }), false, false); // arrived elsewhere: missing there, extra here
                break;
            case EditKind.Background:
                yield return ("wrong change", after with { Background = OtherBackground(before.Background, after.Background) }, false, true);
                break;
            case EditKind.Grayscale:
                yield return ("wrong change", after with { Grayscale = before.Grayscale }, false, true); // == input
                break;
        }
        // The edit done, and something untouched changed as well: the background, or an object's colour for background edits.
        if (edit.Kind != EditKind.Background)
            yield return ("collateral", after with { Background = OtherBackground(before.Background) }, true, false);
        else
        {
            var o = after.Objects[random.Next(after.Objects.Count)];
            string colour = WorldVocabulary.Colours.Select(c => c.Name).First(c => c != o.Colour && after.Find(c, o.Shape) == null);
            yield return ("collateral", after.Replace(o, o with { Colour = colour }), true, false);
        }
    }

    [Fact]
    public void Black_and_white_compares_colours_by_their_grey()
    {
        var scene = new Scene("grey", [new SceneObject("circle", "blue", "large", 0), new SceneObject("star", "yellow", "medium", 8)]);
        var edit = EditGenerator.TryMake(EditKind.Grayscale, scene, new Random(1))!;
        Assert.True(edit.After.Grayscale);
        // brown is blue's grey within 1/255: a black-and-white image cannot tell them apart, and the judge does not ask it to
        var brown = edit.After.Replace(edit.After.Objects[0], edit.After.Objects[0] with { Colour = "brown" });
        Assert.True(EditJudge.Judge(edit, Renderer.Render(brown)).Success);
        // green's grey is 0.13 lighter: the object changed
        var green = edit.After.Replace(edit.After.Objects[0], edit.After.Objects[0] with { Colour = "green" });
        var v = EditJudge.Judge(edit, Renderer.Render(green));
        Assert.True(v.EditHappened);
        Assert.False(v.RestKept);
        Assert.Contains("top left circle", v.Reason);
    }

    /// <summary>
    /// Tolerance, on the shipped VAE's soft decodes (shapes come back as blobs, grey objects as colours): decoded ground
    /// truth should mostly pass once the judge gives shapes the benefit of the doubt — and far less without it — while
    /// decoded identity must almost never pass. Measured when written: 40 of 80 decoded ground truths pass, 4 strictly.
    /// </summary>
    [Fact]
    public void Vae_decoded_ground_truth_often_passes_and_decoded_identity_almost_never_does()
    {
        using var _ = no_grad();
        var vae = DiffusersFolder.LoadVae(Path.Combine(TestPaths.Repo, "data", "world", "vae"));
        var samples = new WorldGenerator(24).Samples().Take(80).ToList();
        List<SceneReading> Decoded(IEnumerable<Tensor> images)
        {
            var decoded = vae.RoundTrip(stack(images.ToArray()));
            return Enumerable.Range(0, samples.Count).Select(i => SceneReader.Analyse(decoded[i])).ToList();
        }
        var truth = Decoded(samples.Select(s => s.EditedImageClean));
        var identity = Decoded(samples.Select(s => s.InputImage));
        int tolerant = samples.Select((s, i) => EditJudge.Judge(s.Edit, truth[i])).Count(v => v.Success);
        int strict = samples.Select((s, i) => EditJudge.Judge(s.Edit, truth[i], JudgeTolerance.Strict)).Count(v => v.Success);
        int identityPassed = samples.Select((s, i) => EditJudge.Judge(s.Edit, identity[i])).Count(v => v.Success);
        // The shipped factor-4 VAE keeps colours and most shapes: nearly every decoded ground truth passes; small objects
        // come back rounded, which the strict reading (counted in the message) may reject and the tolerance accepts.
        Assert.True(tolerant >= 0.9 * samples.Count, $"decoded ground truth: {tolerant} of {samples.Count} pass, {strict} strictly");
        Assert.True(identityPassed <= 2, $"decoded identity passed {identityPassed} of {samples.Count} edits");
    }
}
