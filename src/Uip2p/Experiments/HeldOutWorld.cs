using Microsoft.Data.Analysis;
using Uip2p.Data;
using Uip2p.Evaluation;
using Uip2p.Pipelines;
using Uip2p.World;
using static TorchSharp.torch;

namespace Uip2p.Experiments;

/// <summary>
/// The held-out world edits that experiments (the demo, ablations) score editors on: a dataset folder generated from a
/// seed, so every editor sees the same scenes, and each edit's world description, regenerated from that seed (sample i
/// depends only on (seed, i)), for the judge. Scores are L1/L2 against the clean ground truth in and out of the edit mask
/// (<see cref="EditScores"/>) and the judge's verdict read from the pixels (<see cref="EditJudge"/>).
/// </summary>
public sealed class HeldOutWorld
{
    /// <summary>
    /// How held-out scenes are edited: DDIM 20 steps, s_T 7.5, s_I 1.5, starting SDEdit-style from the input noised 70 %
    /// of the way (the feasibility study found such starts preserved the scene best for every model, DESIGN §7).
    /// </summary>
    public static EditOptions DefaultEdit { get; } = new() { Steps = 20, Sampler = "ddim", TextGuidance = 7.5, ImageGuidance = 1.5, Seed = 7, Strength = 0.7 };

    HeldOutWorld(EditDataset dataset, int seed, int imageSize)
    {
        Dataset = dataset;
        Seed = seed;
        Batches = new EditBatches(dataset, dataset.ReadAll(), seed, imageSize);
        Edits = new WorldGenerator(seed, imageSize).Samples().Take(Batches.Count).ToDictionary(s => s.Id, s => s.Edit);
    }

    public EditDataset Dataset { get; }
    public int Seed { get; }
    public EditBatches Batches { get; }
    /// <summary>Each record's world edit (scene before and after), by record id.</summary>
    public IReadOnlyDictionary<string, WorldEdit> Edits { get; }
    public int Count => Batches.Count;

    /// <summary>
    /// Writes <paramref name="count"/> held-out edits from <paramref name="seed"/> into <paramref name="folder"/>, or opens the
    /// folder when it already holds exactly those (its dataset.json names the seed, count and size), so reruns reuse it.
    /// </summary>
    public static HeldOutWorld Write(string folder, int count, int seed, int imageSize = 64) =>
        new(WorldDataset.Ensure(folder, count, seed, imageSize: imageSize), seed, imageSize);

    /// <summary>Edits every held-out scene with <paramref name="pipeline"/> and scores the edits.</summary>
    public (List<EditScore> Scores, Tensor Images) Edit(InstructPix2PixPipeline pipeline, EditOptions options, Action<int, int>? progress = null, CancellationToken stop = default) =>
        EditScores.Run(pipeline, Batches, options, progress: progress, stop: stop);

    /// <summary>Scores a reference that makes its images from each batch (identity: the inputs unchanged).</summary>
    public (List<EditScore> Scores, Tensor Images) Score(Func<EditBatch, Tensor> output, Action<int, int>? progress = null, CancellationToken stop = default) =>
        EditScores.Run(Batches, (batch, _) => output(batch), progress: progress, stop: stop);

    /// <summary>The judge's verdict on each image <c>[N,3,H,W]</c> in [0,1], in record order.</summary>
    public List<EditVerdict> Judge(Tensor images) =>
        Batches.Records.Select((r, i) => EditJudge.Judge(Edits[r.Id], images[i])).ToList();

    /// <summary>
    /// A named row of scores and verdicts for an editor (null: the identity, output = input), with its outputs: what the
    /// demo, the notebooks and the step study tabulate.
    /// </summary>
    public (DemoRow Row, Tensor Outputs) Row(string name, InstructPix2PixPipeline? pipeline, EditOptions options) =>
        pipeline is null ? Row(name, b => b.Inputs.clone()) : Judged(name, () => Edit(pipeline, options));

    /// <summary>A named row for any image function (a reference such as the ground truth through the VAE).</summary>
    public (DemoRow Row, Tensor Outputs) Row(string name, Func<EditBatch, Tensor> output) => Judged(name, () => Score(output));

    /// <summary>
    /// How well an editor reproduces its input (what an editing run's start must do): every held-out scene edited with an
    /// empty instruction; L1/L2 are to the input (in and out of the edit mask) and the judge's success means the scene read
    /// back is the input scene.
    /// </summary>
    public (DemoRow Row, Tensor Outputs) CopyRow(string name, InstructPix2PixPipeline pipeline, EditOptions options, Action<int, int>? progress = null) =>
        CopyRow(name, (batch, start) => pipeline.Edit(batch.Inputs, batch.Instructions.Select(_ => "").ToList(), options with { Seed = options.Seed + start }), progress);

    /// <summary>A reproduction row for any image function (the input through the VAE: the best any latent editor can copy).</summary>
    public (DemoRow Row, Tensor Outputs) CopyRow(string name, Func<EditBatch, int, Tensor> output, Action<int, int>? progress = null)
    {
        using var _ = no_grad();
        var (_, images) = EditScores.Run(Batches, output, progress: progress);
        var outputs = images.cpu();
        var scores = new List<EditScore>();
        for (int i = 0; i < Count; i += 16)
        {
            var rows = Batches.Records.Skip(i).Take(16).ToList();
            using var batch = Batches.Of(rows);
            scores.AddRange(EditScores.Score(outputs[i..(i + rows.Count)], batch with { CleanEditedImages = batch.Inputs }, rows.Select(r => r.EditKind ?? "").ToList()));
        }
        var verdicts = Batches.Records.Select((r, i) => EditJudge.Judge(Unchanged(Edits[r.Id]), outputs[i])).ToList();
        return (new DemoRow(name, scores, verdicts), outputs);
    }

    static WorldEdit Unchanged(WorldEdit edit) => edit with { Instruction = "", After = edit.Before, ReverseInstruction = "" };

    (DemoRow Row, Tensor Outputs) Judged(string name, Func<(List<EditScore> Scores, Tensor Images)> run)
    {
        using var _ = no_grad();
        var (scores, images) = run();
        var outputs = images.cpu();
        return (new DemoRow(name, scores, Judge(outputs)), outputs);
    }

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
