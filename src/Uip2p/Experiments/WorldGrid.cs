using Uip2p.Charts;
using Uip2p.Imaging;
using static TorchSharp.torch;

namespace Uip2p.Experiments;

/// <summary>
/// The grid of held-out world edits the demo and <c>uip2p eval world</c> export: per record the input (with the instruction
/// and, when an identity row was scored, its verdict), each shown row's output under the judge's verdict, and the clean
/// ground truth.
/// </summary>
public static class WorldGrid
{
    /// <summary>
    /// Writes <paramref name="stem"/>.png/.svg/.pdf at the full text width of a paper: the first <paramref name="count"/>
    /// records, a column for each row named in <paramref name="shown"/> (headed by <paramref name="headers"/>, default their
    /// names), and the ground truth unless <paramref name="groundTruth"/> is false. <paramref name="emptyInstructions"/>: the
    /// outputs were edited with an empty instruction (reproduction), so the records' instructions are not shown.
    /// </summary>
    public static void Write(string stem, HeldOutWorld held, IReadOnlyDictionary<string, Tensor> outputs, IReadOnlyList<DemoRow> rows,
        IReadOnlyList<string> shown, int count, bool groundTruth = true, IReadOnlyList<string>? headers = null, string? title = null, bool emptyInstructions = false)
    {
        var records = held.Batches.Records.Take(count).ToList();
        using var batch = held.Batches.Of(records);
        var identity = rows.FirstOrDefault(r => r.Model == "identity");
        var grid = new ImageGrid(shown.Count + (groundTruth ? 2 : 1))
        {
            ColumnHeaders = [identity is null ? "input" : "input (= identity)", .. headers ?? shown, .. groundTruth ? new[] { "ground truth" } : []],
            Title = title ?? "Held-out world edits, with the judge's verdict read from each image",
        };
        string Verdict(string model, int i) => rows.First(r => r.Model == model).Verdicts[i].Caption;
        for (int i = 0; i < records.Count; i++)
        {
            string instruction = emptyInstructions || string.IsNullOrEmpty(records[i].EditInstruction) ? "(empty instruction)" : records[i].EditInstruction;
            grid.Add(batch.Inputs[i], identity is null ? instruction : $"{instruction} | identity: {Verdict("identity", i)}");
            foreach (string c in shown) grid.Add(outputs[c][i], Verdict(c, i));
            if (groundTruth) grid.Add(batch.CleanEditedImages![i]);
        }
        Figure.Export(grid, stem, FigureSize.TwoColumn);
    }
}
