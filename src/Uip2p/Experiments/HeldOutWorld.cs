using Microsoft.Data.Analysis;
using Uip2p.Data;
using Uip2p.Evaluation;
using Uip2p.Pipelines;
using Uip2p.World;
using static TorchSharp.torch;

namespace Uip2p.Experiments;

/// <summary>
/// Held-out world scenes and how the workbench scores an editor on them (the demo, the notebooks and the
/// ablation runner alike): L1/L2 to the clean ground truth, inside and outside the edit mask, and the judge's
/// verdict read from each output (<see cref="EditJudge"/>), as one <see cref="DemoRow"/> per editor.
/// </summary>
public sealed class HeldOutWorld
{
    HeldOutWorld(EditBatches batches, IReadOnlyDictionary<string, WorldEdit> edits) { Batches = batches; Edits = edits; }

    /// <summary>The scenes, as the trainer and evaluators read them.</summary>
    public EditBatches Batches { get; }

    /// <summary>Each record's world edit (what the judge checks), by record id.</summary>
    public IReadOnlyDictionary<string, WorldEdit> Edits { get; }

    public int Count => Batches.Count;

    /// <summary>
    /// Writes <paramref name="count"/> scenes of <paramref name="seed"/> to <paramref name="folder"/> (kept when already there)
    /// and regenerates their edits for the judge (sample i depends only on (seed, i)).
    /// </summary>
    public static HeldOutWorld Write(string folder, int count, int seed, int resolution = 64)
    {
        var dataset = File.Exists(Path.Combine(folder, EditDataset.RecordsFile)) && SameStamp(folder, count, seed)
            ? new EditDataset(folder)
            : WorldDataset.Write(folder, count, seed);
        var edits = new WorldGenerator(seed).Samples().Take(count).ToDictionary(s => s.Id, s => s.Edit);
        return new HeldOutWorld(new EditBatches(dataset, dataset.ReadAll(), 0, resolution), edits);
    }

    static bool SameStamp(string folder, int count, int seed)
    {
        string stamp = Path.Combine(folder, "dataset.json");
        if (!File.Exists(stamp)) return false;
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(stamp));
        return doc.RootElement.GetProperty("count").GetInt32() == count && doc.RootElement.GetProperty("seed").GetInt32() == seed;
    }

    /// <summary>Scores any image function (a model, or a reference such as the identity) and keeps its outputs.</summary>
    public (DemoRow Row, Tensor Outputs) Row(string name, Func<EditBatch, Tensor> output, int batchSize = 16)
    {
        using var _ = no_grad();
        var scores = new List<EditScore>();
        var images = new List<Tensor>();
        for (int i = 0; i < Batches.Count; i += batchSize)
        {
            var records = Batches.Records.Skip(i).Take(batchSize).ToList();
            using var batch = Batches.Of(records);
            var image = output(batch).cpu();
            scores.AddRange(EditScores.Score(image, batch, records.Select(r => r.EditKind ?? "").ToList()));
            image.DetachFromDisposeScope();
            images.Add(image);
        }
        var all = cat(images, 0);
        foreach (var image in images) image.Dispose();
        return (Judged(name, scores, all), all);
    }

    /// <summary>
    /// Scores an editor (null: the identity, output = input) sampling with <paramref name="options"/>; batch k's
    /// seed is offset by its first index, as <see cref="EditScores.Run"/> does.
    /// </summary>
    public (DemoRow Row, Tensor Outputs) Row(string name, InstructPix2PixPipeline? pipeline, EditOptions options, int batchSize = 16)
    {
        if (pipeline is null) return Row(name, b => b.Inputs.clone(), batchSize);
        using var _ = no_grad();
        var (scores, edited) = EditScores.Run(pipeline, Batches, options, batchSize);
        var outputs = edited.cpu();
        return (Judged(name, scores, outputs), outputs);
    }

    DemoRow Judged(string name, List<EditScore> scores, Tensor outputs) =>
        new(name, scores, Batches.Records.Select((r, i) => EditJudge.Judge(Edits[r.Id], outputs[i])).ToList());

    /// <summary>Rows as a table: judge success, edit happened, rest kept, L1 (all / in mask / outside), each mean and standard error.</summary>
    public static DataFrame Table(IEnumerable<DemoRow> rows)
    {
        var list = rows.ToList();
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("model", list.Select(r => r.Model)) };
        void Add(string name, Func<DemoRow, Estimate> value)
        {
            columns.Add(new DoubleDataFrameColumn(name, list.Select(r => value(r).Mean)));
            columns.Add(new DoubleDataFrameColumn(name + " ± se", list.Select(r => value(r).StandardError)));
        }
        Add("judge success", r => r.Success);
        Add("edit happened", r => r.EditHappened);
        Add("rest kept", r => r.RestKept);
        Add("L1", r => r.L1);
        Add("L1 in mask", r => r.L1InMask);
        Add("L1 outside", r => r.L1OutsideMask);
        return new DataFrame(columns);
    }
}
