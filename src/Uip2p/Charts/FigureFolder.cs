using Uip2p.Imaging;

namespace Uip2p.Charts;

/// <summary>
/// Where a notebook (or an experiment) keeps its paper figures: <c>figures.Save(grid, "tokens")</c> writes
/// <c>tokens.png</c> (at the dpi), <c>tokens.svg</c> and <c>tokens.pdf</c> at <see cref="Size"/> and returns the
/// figure, so a cell can save and show it in one line.
/// </summary>
public sealed class FigureFolder(string folder, FigureSize? size = null)
{
    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>Printed size of every figure (default: two-column width, 300 dpi).</summary>
    public FigureSize Size { get; init; } = size ?? FigureSize.TwoColumn;

    /// <summary>Every file written so far, in order.</summary>
    public List<string> Written { get; } = [];

    public ImageGrid Save(ImageGrid grid, string name, FigureSize? size = null)
    {
        Directory.CreateDirectory(Folder);
        Written.AddRange(Figure.Export(grid, Path.Combine(Folder, name), size ?? Size));
        return grid;
    }

    public ScottPlot.Plot Save(ScottPlot.Plot plot, string name, FigureSize? size = null)
    {
        Directory.CreateDirectory(Folder);
        Written.AddRange(Figure.Export(plot, Path.Combine(Folder, name), size ?? Size));
        return plot;
    }
}
