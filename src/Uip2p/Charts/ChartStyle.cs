using Uip2p.Imaging;

namespace Uip2p.Charts;

/// <summary>
/// ScottPlot 5 set-up shared by notebooks, reports and the CLI: the figure font is registered by file
/// (Skia finds no system font on its own, see <see cref="Fonts"/>), and PNG/SVG export is atomic.
/// Figures for papers (PNG at a dpi, SVG with outlined text, PDF) go through <see cref="Figure.Export(ScottPlot.Plot, string, FigureSize, FigureFormat[])"/>.
/// </summary>
public static class ChartStyle
{
    static readonly Lazy<bool> FontRegistered = new(() =>
    {
        if (Fonts.FilePath is { } path)
        {
            ScottPlot.Fonts.AddFontFile("Uip2p Sans", path);
            // Bold text (titles, axis labels) in the same family: the bold file, else the regular one.
            ScottPlot.Fonts.AddFontFile("Uip2p Sans", Fonts.BoldFilePath ?? path, bold: true, italic: false);
            ScottPlot.Fonts.Default = "Uip2p Sans";
        }
        return true;
    });

    /// <summary>Makes the workbench's font ScottPlot's default (once per process).</summary>
    public static void UseWorkbenchFont() => _ = FontRegistered.Value;

    /// <summary>A new plot with the workbench's font.</summary>
    public static ScottPlot.Plot NewPlot()
    {
        UseWorkbenchFont();
        return new ScottPlot.Plot();
    }

    /// <summary>
    /// Small multiples: each plot rendered at <paramref name="width"/>×<paramref name="height"/> px into one figure,
    /// <paramref name="columns"/> per row (one panel per quantity reads better than many series in one legend).
    /// </summary>
    public static ImageGrid Panels(IReadOnlyList<ScottPlot.Plot> plots, int columns = 2, int width = 420, int height = 300, string? title = null)
    {
        UseWorkbenchFont();
        var grid = new ImageGrid(columns) { MinCellSize = 0, Title = title };
        foreach (var plot in plots)
        {
            using var image = ImageIO.DecodeRgb(plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png), "chart");
            using var tensor = ImageIO.FromImage(image);
            grid.Add(tensor[0]);
        }
        return grid;
    }

    /// <summary>Saves a plot as PNG or SVG (by extension), atomically.</summary>
    public static void Save(ScottPlot.Plot plot, string path, int width = 640, int height = 400)
    {
        UseWorkbenchFont();
        string ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".png":
                AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png));
                break;
            case ".svg":
                AtomicFile.WriteAllText(path, plot.GetSvgXml(width, height));
                break;
            default:
                throw new ArgumentException($"{path}: charts are saved as .png or .svg, not '{ext}'.");
        }
    }
}
