using System.Text.Json;
using System.Text.Json.Nodes;
using Uip2p.Data;
using Uip2p.Imaging;
using static TorchSharp.torch;

namespace Uip2p.World;

/// <summary>Exports world samples as a dataset folder in the one format (<see cref="EditDataset"/>).</summary>
public static class WorldDataset
{
    /// <summary>
    /// Writes <paramref name="count"/> single-turn edits (and optionally <paramref name="sessions"/> multi-turn
    /// sessions) with input, ground truth (biased when asked, plus the clean one), mask and records.jsonl.
    /// </summary>
    public static EditDataset Write(string folder, int count, int seed, BiasOptions? bias = null, int sessions = 0, int imageSize = 64,
        Action<int, int>? progress = null)
    {
        var generator = new WorldGenerator(seed, imageSize, bias);
        string images = Path.Combine(folder, "images");
        Directory.CreateDirectory(images);
        var records = new List<EditRecord>();
        int total = count + sessions, done = 0;
        foreach (var sample in generator.Samples().Take(count))
        {
            records.Add(Save(folder, sample, generator.Bias.Any));
            progress?.Invoke(++done, total);
        }
        for (int s = 0; s < sessions; s++)
        {
            foreach (var turn in generator.Session(s)) records.Add(Save(folder, turn, generator.Bias.Any));
            progress?.Invoke(++done, total);
        }
        EditDataset.WriteRecords(Path.Combine(folder, EditDataset.RecordsFile), records);
        var meta = new { generator = "uip2p shapes world", seed, count, sessions, image_size = imageSize, bias, licence = "generated; CC0" };
        AtomicFile.WriteAllText(Path.Combine(folder, "dataset.json"), JsonSerializer.Serialize(meta, new JsonSerializerOptions { WriteIndented = true }));
        return new EditDataset(folder);
    }

    /// <summary>
    /// The dataset <see cref="Write"/> would make, reused when <paramref name="folder"/> already holds exactly it (its
    /// dataset.json names the same seed, count, sessions, image size and bias) and written afresh otherwise, so reruns
    /// of an experiment do not regenerate their scenes.
    /// </summary>
    public static EditDataset Ensure(string folder, int count, int seed, BiasOptions? bias = null, int sessions = 0, int imageSize = 64)
    {
        if (Holds(folder, count, seed, bias, sessions, imageSize)) return new EditDataset(folder);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        return Write(folder, count, seed, bias, sessions, imageSize);
    }

    static bool Holds(string folder, int count, int seed, BiasOptions? bias, int sessions, int imageSize)
    {
        string meta = Path.Combine(folder, "dataset.json");
        if (!File.Exists(meta) || !File.Exists(Path.Combine(folder, EditDataset.RecordsFile))) return false;
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(meta));
            return o?["seed"]?.GetValue<int>() == seed && o["count"]?.GetValue<int>() == count && o["sessions"]?.GetValue<int>() == sessions
                && o["image_size"]?.GetValue<int>() == imageSize && JsonNode.DeepEquals(o["bias"], JsonSerializer.SerializeToNode(bias));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    static EditRecord Save(string folder, WorldSample s, bool biased)
    {
        string P(string suffix) => $"images/{s.Id}_{suffix}.png";
        ImageIO.Save(s.InputImage, Path.Combine(folder, P("input")));
        ImageIO.Save(s.EditedImage, Path.Combine(folder, P("edited")));
        if (biased) ImageIO.Save(s.EditedImageClean, Path.Combine(folder, P("edited_clean")));
        ImageIO.Save(s.EditMask, Path.Combine(folder, P("mask")));
        return new EditRecord
        {
            Id = s.Id, InputImage = P("input"), InputCaption = s.InputCaption, EditInstruction = s.Edit.Instruction,
            EditedCaption = s.EditedCaption, ReverseInstruction = s.Edit.ReverseInstruction, EditedImage = P("edited"),
            EditedImageClean = biased ? P("edited_clean") : null, EditMask = P("mask"), EditKind = s.Edit.Kind.ToString().ToLowerInvariant(),
            Session = s.Session, Turn = s.Session != null ? s.Turn : null, Bias = s.BiasApplied.Count > 0 ? [.. s.BiasApplied] : null,
        };
    }
}
