using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using SkiaSharp;
using Uip2p.Imaging;

namespace Uip2p.Charts;

/// <summary>
/// Figures for papers in one call: a chart, an <see cref="ImageGrid"/> or a bitmap saved at a printed size
/// as PNG (at the size's dpi, recorded in the file), SVG (text outlined, width in inches) and PDF (page in
/// points, fonts embedded), so that each places at the right size and renders the same elsewhere.
/// <code>
/// Figure.Export(plot, "figures/loss", FigureSize.OneColumn);    // loss.png, loss.svg, loss.pdf
/// Figure.Export(grid, "figures/edits", FigureSize.TwoColumn, FigureFormat.Pdf);
/// </code>
/// Every format is rendered before any file is written, and each file is written atomically: a failure
/// leaves the previous files as they were.
/// </summary>
public static class Figure
{
    const double PointsPerInch = 72;

    /// <summary>What <see cref="Export(ScottPlot.Plot, string, FigureSize, FigureFormat[])"/> writes when no format is named.</summary>
    public static IReadOnlyList<FigureFormat> DefaultFormats { get; } = [FigureFormat.Png, FigureFormat.Svg, FigureFormat.Pdf];

    /// <summary>
    /// Writes a chart as <paramref name="pathWithoutExtension"/>.png/.svg/.pdf (or the formats named), laid out at
    /// the printed size (<see cref="FigureSize.ChartUnitsPerInch"/>), not stretched. Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> Export(ScottPlot.Plot plot, string pathWithoutExtension, FigureSize size, params FigureFormat[] formats) =>
        Write(Of(plot, size), pathWithoutExtension, size, formats);

    /// <summary>Writes an image grid, scaled to the width (its own aspect unless the size has a height). Returns the paths written.</summary>
    public static IReadOnlyList<string> Export(ImageGrid grid, string pathWithoutExtension, FigureSize size, params FigureFormat[] formats) =>
        Write(Of(grid), pathWithoutExtension, size, formats);

    /// <summary>Writes a bitmap, scaled to the width (its own aspect unless the size has a height). Returns the paths written.</summary>
    public static IReadOnlyList<string> Export(SKBitmap bitmap, string pathWithoutExtension, FigureSize size, params FigureFormat[] formats) =>
        Write(Of(bitmap), pathWithoutExtension, size, formats);

    /// <summary>Writes one file whose format is its extension (.png, .svg or .pdf).</summary>
    public static string Save(ScottPlot.Plot plot, string path, FigureSize size) => Write(Of(plot, size), Stem(path, out var f), size, [f])[0];

    /// <inheritdoc cref="Save(ScottPlot.Plot, string, FigureSize)"/>
    public static string Save(ImageGrid grid, string path, FigureSize size) => Write(Of(grid), Stem(path, out var f), size, [f])[0];

    /// <summary>A chart as the bytes of one format.</summary>
    public static byte[] Encode(ScottPlot.Plot plot, FigureSize size, FigureFormat format) => Encode(Of(plot, size), size, format);

    /// <summary>An image grid as the bytes of one format.</summary>
    public static byte[] Encode(ImageGrid grid, FigureSize size, FigureFormat format) => Encode(Of(grid), size, format);

    /// <summary>A chart's PNG at its printed size, shown inline by notebooks at that size (to judge fonts before exporting).</summary>
    public static FigurePreview Preview(ScottPlot.Plot plot, FigureSize size) => new(Encode(plot, size, FigureFormat.Png), size.WidthInches);

    /// <inheritdoc cref="Preview(ScottPlot.Plot, FigureSize)"/>
    public static FigurePreview Preview(ImageGrid grid, FigureSize size) => new(Encode(grid, size, FigureFormat.Png), size.WidthInches);

    /// <summary>The format of a file name's extension.</summary>
    public static FigureFormat FormatOf(string path)
    {
        string ext = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
        foreach (var f in Enum.GetValues<FigureFormat>())
            if (Extension(f) == ext) return f;
        throw new ArgumentException($"{path}: unknown figure format '{Path.GetExtension(path)}'; figures are .png, .svg or .pdf.", nameof(path));
    }

    /// <summary>Something to draw: its size in its own units, how, and whether its images keep hard pixel edges.</summary>
    sealed record Content(double Width, double Height, Action<SKCanvas> Draw, bool Pixelated = false);

    static Content Of(ScottPlot.Plot plot, FigureSize size)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentNullException.ThrowIfNull(size);
        ChartStyle.UseWorkbenchFont();
        double w = size.WidthInches * FigureSize.ChartUnitsPerInch;
        double h = size.HeightFor(FigureSize.DefaultChartAspect) * FigureSize.ChartUnitsPerInch;
        return new Content(w, h, canvas => plot.Render(canvas, new ScottPlot.PixelRect(0, (float)w, (float)h, 0)));
    }

    static Content Of(ImageGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var s = grid.Size;
        return new Content(s.Width, s.Height, grid.Draw, Pixelated: true);
    }

    static Content Of(SKBitmap bitmap) => bitmap is null ? throw new ArgumentNullException(nameof(bitmap)) : new(bitmap.Width, bitmap.Height, canvas =>
    {
        using var image = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(image, SKRect.Create(bitmap.Width, bitmap.Height), new SKSamplingOptions(SKCubicResampler.Mitchell), null);
    });

    static IReadOnlyList<string> Write(Content content, string stem, FigureSize size, FigureFormat[] formats)
    {
        ArgumentNullException.ThrowIfNull(size);
        if (string.IsNullOrWhiteSpace(stem)) throw new ArgumentException("A figure needs a path (without extension).", nameof(stem));
        if (Enum.GetValues<FigureFormat>().Any(f => stem.EndsWith("." + Extension(f), StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"{stem}: pass the path without extension (the formats add .png, .svg, .pdf), or use Figure.Save for one file.", nameof(stem));
        var chosen = (formats is { Length: > 0 } ? formats : DefaultFormats).Distinct().ToList();
        foreach (var f in chosen)
            if (!Enum.IsDefined(f)) throw new ArgumentException($"Unknown figure format {(int)f}; figures are {string.Join(", ", Enum.GetNames<FigureFormat>())}.", nameof(formats));

        // Everything renders before anything is written: one failing format leaves all old files in place.
        var files = chosen.Select(f => (Path: $"{stem}.{Extension(f)}", Bytes: Encode(content, size, f))).ToList();
        foreach (var (path, bytes) in files) AtomicFile.WriteAllBytes(path, bytes);
        return files.Select(f => f.Path).ToList();
    }

    static string Stem(string path, out FigureFormat format)
    {
        format = FormatOf(path);
        return Path.ChangeExtension(path, null);
    }

    static string Extension(FigureFormat format) => format.ToString().ToLowerInvariant();

    static byte[] Encode(Content content, FigureSize size, FigureFormat format)
    {
        double heightIn = size.HeightFor(content.Width / content.Height);
        return format switch
        {
            FigureFormat.Png => Png(content, size, heightIn),
            FigureFormat.Svg => SvgFile(content, size.WidthInches, heightIn),
            FigureFormat.Pdf => Pdf(content, size, heightIn),
            _ => throw new ArgumentException($"Unknown figure format {(int)format}; figures are {string.Join(", ", Enum.GetNames<FigureFormat>())}.", nameof(format)),
        };
    }

    /// <summary>Scales the content to fit a <paramref name="width"/> × <paramref name="height"/> canvas, centred, on white.</summary>
    static void DrawFitted(SKCanvas canvas, Content content, double width, double height)
    {
        canvas.DrawColor(SKColors.White);
        double scale = Math.Min(width / content.Width, height / content.Height);
        double dx = (width - content.Width * scale) / 2, dy = (height - content.Height * scale) / 2;
        if (Math.Abs(dx) > 1e-3 || Math.Abs(dy) > 1e-3) canvas.Translate((float)dx, (float)dy);
        canvas.Scale((float)scale);
        content.Draw(canvas);
    }

    static byte[] Png(Content content, FigureSize size, double heightIn)
    {
        int w = size.Pixels(size.WidthInches), h = size.Pixels(heightIn);
        using var bitmap = new SKBitmap(w, h, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap)) DrawFitted(canvas, content, w, h);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return PngDensity.WithDpi(data.ToArray(), size.Dpi);
    }

    static byte[] SvgFile(Content content, double widthIn, double heightIn)
    {
        double w = widthIn * PointsPerInch, h = heightIn * PointsPerInch;
        using var stream = new MemoryStream();
        using (var canvas = SKSvgCanvas.Create(SKRect.Create((float)w, (float)h), stream)) DrawFitted(canvas, content, w, h);
        stream.Position = 0;
        var svg = XDocument.Load(stream);
        SvgTextOutline.Outline(svg);
        var root = svg.Root ?? throw new InvalidDataException("Skia wrote an SVG without a root element.");
        if (content.Pixelated)   // a grid's pixels stay square in viewers, as in its PNG (SVG 1.1 and CSS spellings)
            foreach (var image in root.Descendants(root.Name.Namespace + "image"))
            {
                image.SetAttributeValue("image-rendering", "optimizeSpeed");
                image.SetAttributeValue("style", "image-rendering:pixelated");
            }
        // Physical size for LaTeX/Inkscape/browsers; the drawing stays in points.
        root.SetAttributeValue("width", F(widthIn) + "in");
        root.SetAttributeValue("height", F(heightIn) + "in");
        root.SetAttributeValue("viewBox", $"0 0 {F(w)} {F(h)}");
        using var output = new MemoryStream();
        using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false) })) svg.Save(writer);
        return output.ToArray();
    }

    /// <summary>The page is the size in points; Skia rounds it to whole pixels at the raster dpi (1/300 in at 300 dpi).</summary>
    static byte[] Pdf(Content content, FigureSize size, double heightIn)
    {
        double w = size.WidthInches * PointsPerInch, h = heightIn * PointsPerInch;
        var metadata = new SKDocumentPdfMetadata
        {
            Creator = "Uip2p research workbench",
            RasterDpi = (float)size.Dpi,
            EncodingQuality = 101,   // lossless images: grids are data
        };
        using var stream = new MemoryStream();
        using (var document = SKDocument.CreatePdf(stream, metadata))
        {
            var canvas = document.BeginPage((float)w, (float)h);
            DrawFitted(canvas, content, w, h);
            document.EndPage();
            document.Close();
        }
        return stream.ToArray();
    }

    static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
