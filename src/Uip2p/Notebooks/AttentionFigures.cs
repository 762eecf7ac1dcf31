using System.Globalization;
using Uip2p.Analysis;
using Uip2p.Imaging;
using static TorchSharp.torch;

namespace Uip2p.Notebooks;

/// <summary>
/// Figures of attention maps: per token, per layer, per step and the forward/reverse pairs of L_attn. Maps in
/// one figure share one <see cref="HeatScale"/> (drawn as a colour bar) so their brightness compares.
/// </summary>
public static class AttentionFigures
{
    /// <summary>
    /// Prompt-to-Prompt's view: the input, the edit, then each token's aggregated map at <paramref name="resolution"/>
    /// (default: the largest) over the input. The scale spans the instruction's words (their smallest to largest
    /// value): the start token, which soaks up most attention in Stable Diffusion's UNet, is clipped to it when it exceeds it.
    /// </summary>
    public static ImageGrid Tokens(EditAttention a, (int Height, int Width)? resolution = null, int size = Heatmap.DisplaySize)
    {
        var res = resolution ?? a.Resolutions[0];
        using var scope = NewDisposeScope();
        var maps = a.Aggregate(res);
        int n = a.Tokens.Count;
        var scale = HeatScale.Span(n > 2 ? Enumerable.Range(1, n - 2).Select(t => maps[t]) : [maps]);
        bool clipped = maps[0].max().item<float>() > scale.Max || maps[0].min().item<float>() < scale.Min;
        var grid = new ImageGrid(a.Tokens.Count + 3) { Title = $"\"{a.Instruction}\": cross-attention per token, mean over heads, {res.Height}×{res.Width} layers and {a.Steps.Count} steps" };
        grid.Add(Heatmap.Display(a.Input, size), "input");
        grid.Add(Heatmap.Display(a.Output, size), "edit");
        for (int t = 0; t < a.Tokens.Count; t++)
            grid.Add(Heatmap.Overlay(a.Input, maps[t], scale, size), t == 0 && clipped ? $"{a.Tokens[t]} (clipped)" : a.Tokens[t]);
        grid.Add(Heatmap.ColorBar(size), Heatmap.ColorBarCaption(scale));
        return grid;
    }

    /// <summary>One token's map in every cross-attention layer (mean over heads and steps), each at its own resolution.</summary>
    public static ImageGrid Layers(EditAttention a, int token, int size = Heatmap.DisplaySize)
    {
        using var scope = NewDisposeScope();
        var maps = a.Layers.Select(l => (Layer: l, Map: a.LayerMap(l, token))).ToList();
        var scale = HeatScale.Span(maps.Select(m => m.Map));
        var grid = new ImageGrid(maps.Count + 1) { Title = $"token \"{a.Tokens[token]}\" per layer (mean over heads and steps)" };
        foreach (var (layer, map) in maps) grid.Add(Heatmap.Overlay(a.Input, map, scale, size), $"{a.ShortName(layer)} ({map.shape[0]}×{map.shape[1]})");
        grid.Add(Heatmap.ColorBar(size), Heatmap.ColorBarCaption(scale));
        return grid;
    }

    /// <summary>One token's map at one resolution across the sampling steps (<paramref name="count"/> evenly spaced).</summary>
    public static ImageGrid Steps(EditAttention a, int token, (int Height, int Width)? resolution = null, int count = 8, int size = Heatmap.DisplaySize)
    {
        var res = resolution ?? a.Resolutions[0];
        var steps = a.Steps;
        var chosen = Enumerable.Range(0, Math.Min(count, steps.Count))
            .Select(i => steps[(int)Math.Round(i * (steps.Count - 1) / (double)Math.Max(1, Math.Min(count, steps.Count) - 1))]).Distinct().ToList();
        using var scope = NewDisposeScope();
        var maps = chosen.Select(s => (Step: s, Map: a.StepMap(s, token, res))).ToList();
        var scale = HeatScale.Span(maps.Select(m => m.Map));
        var grid = new ImageGrid(maps.Count + 1) { Title = $"token \"{a.Tokens[token]}\" over the sampling steps ({res.Height}×{res.Width} layers)" };
        foreach (var (step, map) in maps) grid.Add(Heatmap.Overlay(a.Input, map, scale, size), $"step {step - steps[0] + 1}/{steps.Count}");
        grid.Add(Heatmap.ColorBar(size), Heatmap.ColorBarCaption(scale));
        return grid;
    }

    /// <summary>
    /// L_attn's two sides for image <paramref name="row"/>: per layer, A_f(i) over the input and A_r(i) over the
    /// forward edit, captioned with ‖A_f(i) − A_r(i)‖₂. One scale for the whole figure.
    /// </summary>
    public static ImageGrid Cycle(CycleAttention c, int row, string? model = null, int size = 160)
    {
        var scale = HeatScale.ZeroTo(c.Forward.Concat(c.Reverse).Select(m => m[row]));
        var grid = new ImageGrid(5)
        {
            Title = (model is null ? "" : model + " · ") + $"L_attn for \"{c.Instructions[row]}\" / back: \"{c.ReverseInstructions[row]}\" (Σ_i ‖A_f − A_r‖₂ = {c.Total(row):F3})",
            ColumnHeaders = ["input", "A_f(i): forward", "forward edit", "A_r(i): reverse", "scale"],
            RowHeaders = c.Layers.Select(l => Analysis.LayerNames.Short(l)).ToList(),
        };
        for (int i = 0; i < c.Layers.Count; i++)
        {
            grid.Add(Heatmap.Display(c.Inputs[row], size));
            grid.Add(Heatmap.Overlay(c.Inputs[row], c.Forward[i][row], scale, size));
            grid.Add(Heatmap.Display(c.Edited[row], size));
            grid.Add(Heatmap.Overlay(c.Edited[row], c.Reverse[i][row], scale, size),
                $"‖A_f − A_r‖₂ = {c.Distance[i][row].item<float>().ToString("F3", CultureInfo.InvariantCulture)}");
            grid.Add(Heatmap.ColorBar(size), i == 0 ? Heatmap.ColorBarCaption(scale, "A(i)") : null);
        }
        return grid;
    }

    /// <summary>
    /// ‖A_f(i) − A_r(i)‖₂ per layer (mean over the batch's images) for each measured model, and their sum (L_attn).
    /// </summary>
    public static Microsoft.Data.Analysis.DataFrame CycleTable(params (string Model, CycleAttention Cycle)[] models)
    {
        var layers = models[0].Cycle.Layers;
        var columns = new List<Microsoft.Data.Analysis.DataFrameColumn>
        {
            new Microsoft.Data.Analysis.StringDataFrameColumn("layer", [.. layers.Select(Analysis.LayerNames.Short), "Σ_i (L_attn)"]),
        };
        foreach (var (model, c) in models)
        {
            var perLayer = c.Distance.Select(d => (double)d.mean().item<float>()).ToList();
            columns.Add(new Microsoft.Data.Analysis.DoubleDataFrameColumn(model, [.. perLayer, perLayer.Sum()]));
        }
        return new Microsoft.Data.Analysis.DataFrame(columns);
    }

}
