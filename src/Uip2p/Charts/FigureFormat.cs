namespace Uip2p.Charts;

/// <summary>The file formats <see cref="Figure"/> writes; the file extension is the name in lower case.</summary>
public enum FigureFormat
{
    /// <summary>Raster at the size's dpi, with the dpi in a pHYs chunk so LaTeX and Word place it at its printed size.</summary>
    Png,

    /// <summary>Vector, text outlined into paths (renders without the font), width and height in inches.</summary>
    Svg,

    /// <summary>Vector, fonts embedded by Skia, page size in points.</summary>
    Pdf,
}
