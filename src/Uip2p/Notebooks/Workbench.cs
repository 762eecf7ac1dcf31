using System.Text;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using TorchSharp;
using Uip2p.Charts;
using Uip2p.Imaging;
using Uip2p.Runtime;

namespace Uip2p.Notebooks;

/// <summary>
/// What a notebook's first cell calls after <c>#r</c>-referencing the built library:
/// <code>
/// #r "../src/Uip2p.Cli/bin/Release/net10.0/Uip2p.dll"
/// Uip2p.Notebooks.Workbench.Setup()
/// </code>
/// It loads TorchSharp's natives from that build folder (the kernel would look next to itself) and
/// registers inline displays: image tensors and <see cref="ImageGrid"/>s as PNG, DataFrames as HTML
/// tables, ScottPlot plots as PNG, and <see cref="Figure.Preview(ScottPlot.Plot, FigureSize)"/> at its printed width.
/// </summary>
public static class Workbench
{
    static bool _formattersRegistered;

    /// <summary>The MIME type of inline images.</summary>
    public const string PngMimeType = "image/png";

    /// <summary>Pixel size of charts shown inline.</summary>
    public static int ChartWidth { get; set; } = 720;
    public static int ChartHeight { get; set; } = 440;

    /// <summary>Largest tensor shown as an image grid inline (bigger batches show their first images).</summary>
    public static int MaxInlineImages { get; set; } = 16;

    /// <summary>
    /// Loads the natives from <paramref name="buildOutput"/> (default: the folder this library was
    /// loaded from), registers the formatters and returns a summary that displays as a table.
    /// </summary>
    public static WorkbenchInfo Setup(string? buildOutput = null, string device = "auto", int? threads = null)
    {
        string folder = buildOutput ?? Path.GetDirectoryName(typeof(Workbench).Assembly.Location)
            ?? throw new InvalidOperationException("Cannot tell where Uip2p.dll was loaded from; pass the build output folder.");
        TorchRuntime.LoadNativesFrom(folder);
        Devices.Override = Devices.Parse(device);
        if (threads is { } n) Devices.Threads = n;
        RegisterFormatters();
        return WorkbenchInfo.Current();
    }

    /// <summary>Registers the inline displays (idempotent).</summary>
    public static void RegisterFormatters()
    {
        if (_formattersRegistered) return;
        _formattersRegistered = true;

        // Images go out as image/png outputs (base64, as Jupyter's format wants): VS Code, nbconvert and figure
        // extraction find them, which an <img> with a data URI inside text/html hides.
        Formatter.Register<torch.Tensor>((tensor, context) =>
        {
            if (!ImageIO.LooksLikeImage(tensor)) return false;
            context.Writer.Write(Convert.ToBase64String(TensorFigure(tensor).ToPng()));
            return true;
        }, PngMimeType);
        Formatter.Register<torch.Tensor>((tensor, context) =>
        {
            context.Writer.Write(tensor.ToString(TensorStringStyle.Numpy));
            return true;
        }, PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(torch.Tensor), PngMimeType, PlainTextFormatter.MimeType);

        Formatter.Register<ImageGrid>((grid, context) => { context.Writer.Write(Convert.ToBase64String(grid.ToPng())); return true; }, PngMimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(ImageGrid), PngMimeType);

        Formatter.Register<ScottPlot.Plot>((plot, context) =>
        {
            ChartStyle.UseWorkbenchFont();
            context.Writer.Write(Convert.ToBase64String(plot.GetImageBytes(ChartWidth, ChartHeight, ScottPlot.ImageFormat.Png)));
            return true;
        }, PngMimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(ScottPlot.Plot), PngMimeType);

        Formatter.Register<FigurePreview>((preview, context) => { context.Writer.Write(preview.ToHtml()); return true; }, HtmlFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(FigurePreview), HtmlFormatter.MimeType);

        Formatter.Register<DataFrame>((frame, context) => { context.Writer.Write(Tables.ToHtml(frame)); return true; }, HtmlFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(DataFrame), HtmlFormatter.MimeType);
    }

    /// <summary>An image tensor or batch as a grid (the batch's first <see cref="MaxInlineImages"/> images).</summary>
    public static ImageGrid TensorFigure(torch.Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        var t = tensor.detach().cpu().to(torch.ScalarType.Float32);
        var range = t.min().item<float>() < -0.01f ? PixelRange.MinusOneOne : PixelRange.ZeroOne;
        if (t.dim() == 4)
        {
            int n = (int)Math.Min(t.shape[0], MaxInlineImages);
            var captions = t.shape[0] > n ? Enumerable.Range(0, n).Select(i => $"#{i}").Append($"… {t.shape[0] - n} more") : null;
            return ImageGrid.FromBatch(t[..n], 0, captions, range);
        }
        return new ImageGrid(1, range).Add(t);
    }

}

/// <summary>Versions and devices in effect; shown as a table by notebooks and printed by <c>uip2p info</c>.</summary>
public sealed record WorkbenchInfo(
    string Library, string TorchSharp, string LibTorch, string Backend, string Device, int Threads, string Natives, string Font)
{
    public static WorkbenchInfo Current() => new(
        typeof(Workbench).Assembly.GetName().Version?.ToString(3) ?? "unknown",
        TorchRuntime.TorchSharpVersion,
        TorchRuntime.LibTorchVersion,
        TorchRuntime.Backend,
        Devices.Default.ToString(),
        Devices.Threads,
        TorchRuntime.NativeLocation,
        Fonts.Source);

    /// <summary>Name/value rows, in display order.</summary>
    public IEnumerable<(string Name, string Value)> Rows() =>
    [
        ("uip2p library", Library), ("TorchSharp", TorchSharp), ("LibTorch", LibTorch), ("backend", Backend),
        ("device", Device), ("threads", Threads.ToString()), ("natives loaded from", Natives), ("figure font", Font),
    ];
}
