using Microsoft.Data.Analysis;
using Uip2p.Imaging;
using Uip2p.Pipelines;
using Uip2p.World;
using static TorchSharp.torch;

namespace Uip2p.Notebooks;

/// <summary>A column of a comparison: a named editor, or the identity (output = input) when it has no pipeline.</summary>
public sealed record Method(string Name, InstructPix2PixPipeline? Pipeline)
{
    /// <summary>Doing nothing: the baseline every editor must beat.</summary>
    public static Method Identity { get; } = new("identity (input)", null);

    /// <summary>Edits <c>[B,3,H,W]</c> in [0,1] with one instruction per image (identity: a copy of the input).</summary>
    public Tensor Edit(Tensor images, IReadOnlyList<string> instructions, EditOptions options)
    {
        using var _ = no_grad();
        return Pipeline is null ? images.clone() : Pipeline.Edit(images, instructions, options).cpu();
    }
}

/// <summary>
/// Qualitative comparisons of editors on the world (where the judge knows the truth and captions each cell
/// with its verdict) and on real photographs (no truth: captions say so).
/// </summary>
public static class Comparisons
{
    /// <summary>One held-out world sample per edit kind (every kind the world has), from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<WorldSample> OnePerKind(int seed, int perKind = 1) =>
        Enum.GetValues<EditKind>().SelectMany(k => new WorldGenerator(seed, kinds: [k]).Samples().Take(perKind)).ToList();

    /// <summary>
    /// Rows: samples; columns: the input, the clean ground truth, then each method, captioned with the judge's
    /// verdict. <c>Table</c> counts each method's successes per edit kind; <c>Reasons</c> has the judge's reason per cell.
    /// </summary>
    public static (ImageGrid Grid, DataFrame Table, DataFrame Reasons) Examples(IReadOnlyList<Method> methods, IReadOnlyList<WorldSample> samples, EditOptions options)
    {
        var grid = new ImageGrid(methods.Count + 2)
        {
            ColumnHeaders = ["input", "ground truth", .. methods.Select(m => m.Name)],
            RowHeaders = samples.Select(s => s.Edit.Kind.ToString().ToLowerInvariant()).ToList(),
            Title = "Held-out world edits; each caption is the judge's verdict read from the pixels (reasons: the Reasons table)",
        };
        using var scope = NewDisposeScope();
        var inputs = stack(samples.Select(s => s.InputImage).ToArray());
        var outputs = methods.Select(m => m.Edit(inputs, samples.Select(s => s.Edit.Instruction).ToList(), options)).ToList();
        var verdicts = methods.Select((m, j) => samples.Select((s, i) => EditJudge.Judge(s.Edit, outputs[j][i])).ToList()).ToList();
        for (int i = 0; i < samples.Count; i++)
        {
            grid.Add(samples[i].InputImage, samples[i].Edit.Instruction);
            grid.Add(samples[i].EditedImageClean);
            for (int j = 0; j < methods.Count; j++) grid.Add(outputs[j][i], verdicts[j][i].ShortCaption);
        }
        var kinds = samples.Select(s => s.Edit.Kind).Distinct().ToList();
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("method", methods.Select(m => m.Name)) };
        foreach (var kind in kinds)
            columns.Add(new StringDataFrameColumn(kind.ToString().ToLowerInvariant(),
                verdicts.Select(v => $"{v.Where((x, i) => samples[i].Edit.Kind == kind).Count(x => x.Success)}/{samples.Count(s => s.Edit.Kind == kind)}")));
        columns.Add(new DoubleDataFrameColumn("success rate", verdicts.Select(v => v.Count(x => x.Success) / (double)v.Count)));
        var cells = methods.SelectMany((m, j) => samples.Select((s, i) => (Method: m.Name, Sample: s, Verdict: verdicts[j][i]))).ToList();
        var reasons = new DataFrame(
            new StringDataFrameColumn("method", cells.Select(c => c.Method)),
            new StringDataFrameColumn("instruction", cells.Select(c => c.Sample.Edit.Instruction)),
            new StringDataFrameColumn("verdict", cells.Select(c => c.Verdict.Caption)));
        return (grid, new DataFrame(columns), reasons);
    }

    /// <summary>
    /// Multi-turn sessions: one row per (session, method); each turn edits the method's own previous output with
    /// the next instruction, captioned with the instruction and the judge's verdict of that turn.
    /// </summary>
    public static ImageGrid Sessions(IReadOnlyList<Method> methods, IReadOnlyList<IReadOnlyList<WorldSample>> sessions, EditOptions options)
    {
        int turns = sessions.Max(s => s.Count);
        var grid = new ImageGrid(turns + 1)
        {
            ColumnHeaders = ["input", .. Enumerable.Range(1, turns).Select(t => $"turn {t}")],
            RowHeaders = sessions.SelectMany((s, k) => methods.Select(m => $"session {k + 1} · {m.Name}")).ToList(),
            Title = "Multi-turn sessions: each turn edits the method's own previous output",
        };
        using var scope = NewDisposeScope();
        foreach (var session in sessions)
            foreach (var method in methods)
            {
                var current = session[0].InputImage;
                grid.Add(current, session[0].InputCaption);
                foreach (var turn in session)
                {
                    current = method.Edit(current.unsqueeze(0), [turn.Edit.Instruction], options)[0];
                    grid.Add(current, $"{turn.Edit.Instruction}: {EditJudge.Judge(turn.Edit, current).ShortCaption}");
                }
                for (int t = session.Count; t < turns; t++) grid.Add(zeros(3, 8, 8) + 1, "");
            }
        return grid;
    }

    /// <summary>Real photographs (centre-cropped and resized to <paramref name="size"/>), edited by each method; no ground truth.</summary>
    public static ImageGrid Photos(IReadOnlyList<Method> methods, IReadOnlyList<(string Name, Tensor Image, string Instruction)> photos, EditOptions options, int size = 64)
    {
        var grid = new ImageGrid(methods.Count + 1)
        {
            ColumnHeaders = ["photo", .. methods.Select(m => m.Name)],
            RowHeaders = photos.Select(p => p.Name).ToList(),
            Title = $"Real photographs at {size}×{size} (no ground truth: nothing to judge)",
        };
        using var scope = NewDisposeScope();
        foreach (var (_, image, instruction) in photos)
        {
            var x = Square(image, size).unsqueeze(0);
            grid.Add(x[0], instruction);
            foreach (var m in methods) grid.Add(m.Edit(x, [instruction], options)[0]);
        }
        return grid;
    }

    /// <summary>An image (<c>[3,H,W]</c> or <c>[1,3,H,W]</c>) centre-cropped to a square and resized: <c>[3,size,size]</c>.</summary>
    public static Tensor Square(Tensor image, int size)
    {
        var shorter = ImageOps.ResizeShorterSide(image.dim() == 3 ? image.unsqueeze(0) : image, size);
        return ImageOps.CenterCrop(shorter, size, size)[0].clamp(0, 1);
    }
}
