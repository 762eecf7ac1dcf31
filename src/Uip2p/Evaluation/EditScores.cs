using Uip2p.Data;
using Uip2p.Pipelines;
using static TorchSharp.torch;

namespace Uip2p.Evaluation;

/// <summary>One edited image scored against its clean ground truth (pixels in [0,1]).</summary>
public sealed record EditScore(string Id, string Kind, double L1, double L2, double L1InMask, double L1OutsideMask,
    double L2InMask = double.NaN, double L2OutsideMask = double.NaN);

/// <summary>Means over a set of scored edits.</summary>
public sealed record EditSummary(string Model, int Count, double L1, double L2, double L1InMask, double L1OutsideMask)
{
    public static EditSummary Of(string model, IReadOnlyList<EditScore> scores) => new(model, scores.Count,
        scores.Average(s => s.L1), scores.Average(s => s.L2), Mean(scores.Select(s => s.L1InMask)), Mean(scores.Select(s => s.L1OutsideMask)));

    static double Mean(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count == 0 ? double.NaN : finite.Average();
    }
}

/// <summary>
/// L1 and L2 to the ground truth as MagicBrush reports them (mean absolute / mean squared pixel error in
/// [0,1]), plus L1 and L2 inside and outside the edit mask — what the world can measure and real data cannot:
/// did the edit happen (inside) and was the rest preserved (outside)?
/// </summary>
public static class EditScores
{
    /// <summary>Scores edited images <c>[B,3,H,W]</c> against a batch's clean ground truth and masks.</summary>
    public static List<EditScore> Score(Tensor edited, EditBatch batch, IReadOnlyList<string>? kinds = null)
    {
        var truth = batch.CleanEditedImages ?? throw new InvalidOperationException($"Scoring needs ground-truth edited images; record '{batch.Ids[0]}' has none.");
        using var scope = NewDisposeScope();
        var diff = (edited.to(truth.device) - truth);
        var l1 = diff.abs().mean([1, 2, 3]).data<float>().ToArray();
        var l2 = diff.square().mean([1, 2, 3]).data<float>().ToArray();
        float[] inside = new float[batch.Count], outside = new float[batch.Count], inside2 = new float[batch.Count], outside2 = new float[batch.Count];
        if (batch.Masks is { } m)
        {
            var mask = (m > 0.5).to(ScalarType.Float32);
            float[] Masked(Tensor perPixel, Tensor where) => ((perPixel * where).sum([1, 2, 3]) / where.sum([1, 2, 3])).data<float>().ToArray();
            var abs = diff.abs().mean([1], keepdim: true);
            var square = diff.square().mean([1], keepdim: true);
            (inside, outside, inside2, outside2) = (Masked(abs, mask), Masked(abs, 1 - mask), Masked(square, mask), Masked(square, 1 - mask));
        }
        else foreach (var a in new[] { inside, outside, inside2, outside2 }) Array.Fill(a, float.NaN);
        return Enumerable.Range(0, batch.Count).Select(i =>
            new EditScore(batch.Ids[i], kinds?[i] ?? "", l1[i], l2[i], inside[i], outside[i], inside2[i], outside2[i])).ToList();
    }

    /// <summary>Edits every record of <paramref name="data"/> in batches and scores the results; returns the edits too.</summary>
    /// <remarks>Batch k's edits are seeded with <c>options.Seed + k·batchSize</c>, so a record's edit does not depend on how many come after it.</remarks>
    public static (List<EditScore> Scores, Tensor Edited) Run(InstructPix2PixPipeline pipeline, EditBatches data, EditOptions options, int batchSize = 16,
        Action<int, int>? progress = null, CancellationToken stop = default) =>
        Run(data, (batch, start) => pipeline.Edit(batch.Inputs, batch.Instructions, options with { Seed = options.Seed + start }), batchSize, progress, stop);

    /// <summary>
    /// Scores what <paramref name="output"/> makes of each batch (it gets the batch and the index of its first record):
    /// an editor, or a reference such as the input returned unchanged. <paramref name="progress"/> hears (records done, total);
    /// <paramref name="stop"/> is checked between batches (<see cref="OperationCanceledException"/>).
    /// </summary>
    public static (List<EditScore> Scores, Tensor Edited) Run(EditBatches data, Func<EditBatch, int, Tensor> output, int batchSize = 16,
        Action<int, int>? progress = null, CancellationToken stop = default)
    {
        var scores = new List<EditScore>();
        var edits = new List<Tensor>();
        for (int i = 0; i < data.Count; i += batchSize)
        {
            stop.ThrowIfCancellationRequested();
            var rows = data.Records.Skip(i).Take(batchSize).ToList();
            using var batch = data.Of(rows);
            var edited = output(batch, i);
            scores.AddRange(Score(edited, batch, rows.Select(r => r.EditKind ?? "").ToList()));
            edited.DetachFromDisposeScope();
            edits.Add(edited);
            progress?.Invoke(scores.Count, data.Count);
        }
        return (scores, cat(edits, 0));
    }
}
