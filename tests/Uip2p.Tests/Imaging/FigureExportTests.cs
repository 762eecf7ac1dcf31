using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Uip2p.Charts;
using Uip2p.Imaging;
using static TorchSharp.torch;

namespace Uip2p.Tests.Imaging;

public class FigureExportTests
{
    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    static ScottPlot.Plot Chart()
    {
        var plot = ChartStyle.NewPlot();
        var line = plot.Add.Scatter(new double[] { 0, 1, 2, 3 }, new double[] { 1, 0.5, 0.3, 0.25 });
        line.LegendText = "L_CEC  (train)";
        plot.Title("Training loss");
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend();
        return plot;
    }

    static ImageGrid Grid()
    {
        var grid = ImageGrid.FromBatch(rand(4, 3, 16, 16), columns: 2, captions: ["a", "b", "c", "d"]);
        grid.ColumnHeaders = ["input", "edit"];
        grid.Title = "Edits";
        return grid;
    }

    [Fact]
    public void Chart_png_has_the_printed_pixel_size_and_records_its_dpi()
    {
        using var dir = new TempDir();
        var size = FigureSize.OneColumn.WithDpi(200);
        var paths = Figure.Export(Chart(), dir.File("loss"), size, FigureFormat.Png);
        Assert.Equal([dir.File("loss.png")], paths);

        byte[] png = File.ReadAllBytes(paths[0]);
        using (var image = Image.Load<Rgb24>(png)) Assert.Equal((650, (int)Math.Round(3.25 / 1.618 * 200)), (image.Width, image.Height));
        var phys = Chunks(png).Where(c => c.Type == "pHYs").ToList();
        var (_, data, crc) = Assert.Single(phys);
        Assert.Equal("IHDR", Chunks(png)[0].Type);
        Assert.Equal("pHYs", Chunks(png)[1].Type);   // before IDAT, as the PNG spec requires
        Assert.Equal(9, data.Length);
        Assert.Equal(7874u, BinaryPrimitives.ReadUInt32BigEndian(data));          // 200 dpi = 7874 px/m
        Assert.Equal(7874u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4)));
        Assert.Equal(1, data[8]);                                                  // unit: metre
        Assert.Equal(PngBuilder.Crc32([.. "pHYs"u8, .. data]), crc);
        Assert.Equal(200, PngDensity.ReadDpi(png)!.Value, 0.01);
    }

    [Fact]
    public void Chart_is_laid_out_at_its_printed_size_not_stretched()
    {
        // The same one-column figure at 96 and 288 dpi is one drawing at two resolutions; a chart laid out at
        // 975 px (what stretching a pixel render would give) has relatively smaller text and differs.
        var size = FigureSize.OneColumn.WithHeight(2);
        using var low = Image.Load<Rgb24>(Figure.Encode(Chart(), size.WithDpi(96), FigureFormat.Png));
        using var high = Image.Load<Rgb24>(Figure.Encode(Chart(), size.WithDpi(288), FigureFormat.Png));
        using var naive = Image.Load<Rgb24>(Chart().GetImageBytes(975, 576, ScottPlot.ImageFormat.Png));
        Assert.Equal((312, 192), (low.Width, low.Height));
        Assert.Equal((936, 576), (high.Width, high.Height));
        double same = MeanAbsDiff(low, high, 3), stretched = MeanAbsDiff(low, naive, 3);
        Assert.True(same < 4, $"96 vs 288 dpi differ by {same:F2} grey levels");
        Assert.True(stretched > 2 * same, $"a 975-px layout differs by only {stretched:F2} (vs {same:F2})");
    }

    [Fact]
    public void Chart_svg_has_an_inch_size_and_text_outlined_into_paths()
    {
        using var dir = new TempDir();
        var size = FigureSize.OneColumn.WithHeight(2.5);
        string path = Figure.Export(Chart(), dir.File("loss"), size, FigureFormat.Svg).Single();
        var svg = XDocument.Load(path);
        var root = svg.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("3.25in", root.Attribute("width")?.Value);
        Assert.Equal("2.5in", root.Attribute("height")?.Value);
        Assert.Equal("0 0 234 180", root.Attribute("viewBox")?.Value);
        Assert.Empty(svg.Descendants(Svg + "text"));
        Assert.DoesNotContain(svg.Descendants(), e => e.Name.LocalName is "text" or "tspan");
        // Glyph outlines: TrueType curves are quadratic ('Q'), which no chart line or marker uses. The title,
        // labels, legend and ticks are well over 20 glyph runs.
        var glyphRuns = svg.Descendants(Svg + "path").Where(p => (p.Attribute("d")?.Value ?? "").Contains('Q')).ToList();
        Assert.True(glyphRuns.Count >= 10, $"{glyphRuns.Count} outlined text runs");
        // The text's font attributes went with it (a viewer needs no font).
        Assert.DoesNotContain(svg.Descendants(Svg + "path"), p => p.Attribute("font-family") != null);
    }

    [Fact]
    public void Chart_pdf_has_a_page_of_the_printed_size_and_embeds_its_fonts_in_one_family()
    {
        using var dir = new TempDir();
        string path = Figure.Export(Chart(), dir.File("loss"), FigureSize.TwoColumn, FigureFormat.Pdf).Single();
        byte[] pdf = File.ReadAllBytes(path);
        Assert.Equal("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
        string text = Encoding.Latin1.GetString(pdf);
        // Skia rounds the page to whole pixels at the raster dpi (300): within 72/300 pt.
        var (w, h) = MediaBox(text);
        Assert.Equal(6.75 * 72, w, 72 / 300.0);
        Assert.Equal(6.75 / 1.618 * 72, h, 72 / 300.0);
        string all = text + Inflated(pdf);
        Assert.Contains("/FontDescriptor", all);
        Assert.Matches(@"/FontFile[23]?\b", all);
        // Titles and axis labels are bold: in the workbench family, not whatever Skia's font manager offers.
        var fonts = Regex.Matches(all, @"/BaseFont\s*/([A-Za-z0-9+\-]+)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(fonts);
        string family = Fonts.Typeface.FamilyName.Replace(" ", "");
        Assert.All(fonts, f => Assert.Contains(family, f));
    }

    [Fact]
    public void Grid_export_writes_png_svg_and_pdf_at_the_width_keeping_its_aspect()
    {
        using var dir = new TempDir();
        var grid = Grid();
        var gridSize = grid.Size;
        var paths = Figure.Export(grid, dir.File("edits"), FigureSize.TwoColumn.WithDpi(100));
        Assert.Equal(new[] { "edits.png", "edits.svg", "edits.pdf" }, paths.Select(Path.GetFileName));
        Assert.All(paths, p => Assert.True(new FileInfo(p).Length > 100, p));

        double heightIn = 6.75 * gridSize.Height / gridSize.Width;
        using (var png = Image.Load<Rgb24>(paths[0]))
            Assert.Equal((675, (int)Math.Round(heightIn * 100)), (png.Width, png.Height));
        Assert.Equal(100, PngDensity.ReadDpi(File.ReadAllBytes(paths[0]))!.Value, 0.01);

        var svg = XDocument.Load(paths[1]);
        Assert.Equal("6.75in", svg.Root!.Attribute("width")?.Value);
        Assert.Equal(heightIn, double.Parse(svg.Root.Attribute("height")!.Value.TrimEnd('i', 'n'), CultureInfo.InvariantCulture), 0.001);
        Assert.NotEmpty(svg.Descendants(Svg + "image"));
        Assert.All(svg.Descendants(Svg + "image"), i => Assert.Equal("optimizeSpeed", i.Attribute("image-rendering")?.Value));
        Assert.Empty(svg.Descendants(Svg + "text"));

        string pdf = Encoding.Latin1.GetString(File.ReadAllBytes(paths[2]));
        Assert.StartsWith("%PDF-", pdf);
        var (w, h) = MediaBox(pdf);
        Assert.Equal(6.75 * 72, w, 72 / 100.0);
        Assert.Equal(heightIn * 72, h, 72 / 100.0);
    }

    [Fact]
    public void A_bitmap_exports_too()
    {
        using var dir = new TempDir();
        using var bitmap = new SkiaSharp.SKBitmap(40, 20);
        bitmap.Erase(SkiaSharp.SKColors.Red);
        var paths = Figure.Export(bitmap, dir.File("red"), new FigureSize(2, dpi: 50));
        Assert.Equal(3, paths.Count);
        using var png = Image.Load<Rgb24>(paths[0]);
        Assert.Equal((100, 50), (png.Width, png.Height));
        Assert.Equal(new Rgb24(255, 0, 0), png[50, 25]);
    }

    [Fact]
    public void Bad_formats_and_sizes_fail_clearly_and_leave_existing_files_untouched()
    {
        using var dir = new TempDir();
        foreach (string ext in new[] { "png", "svg", "pdf", "tiff" }) File.WriteAllText(dir.File("loss." + ext), "old");
        var plot = Chart();

        var unknown = Assert.Throws<ArgumentException>(() => Figure.Export(plot, dir.File("loss"), FigureSize.OneColumn, FigureFormat.Png, (FigureFormat)42));
        Assert.Contains("42", unknown.Message);
        var tiff = Assert.Throws<ArgumentException>(() => Figure.Save(plot, dir.File("loss.tiff"), FigureSize.OneColumn));
        Assert.Contains(".tiff", tiff.Message);
        var withExt = Assert.Throws<ArgumentException>(() => Figure.Export(plot, dir.File("loss.pdf"), FigureSize.OneColumn));
        Assert.Contains("without extension", withExt.Message);
        var huge = Assert.Throws<ArgumentOutOfRangeException>(() => Figure.Export(plot, dir.File("loss"), FigureSize.TwoColumn.WithDpi(30_000)));
        Assert.Contains("30000 dpi", huge.Message);

        var width = Assert.Throws<ArgumentOutOfRangeException>(() => new FigureSize(-1));
        Assert.Contains("width", width.Message);
        Assert.Contains("-1", width.Message);
        var dpi = Assert.Throws<ArgumentOutOfRangeException>(() => FigureSize.OneColumn.WithDpi(0));
        Assert.Contains("dpi", dpi.Message);
        Assert.Contains("got 0", dpi.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => FigureSize.OneColumn.WithHeight(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => FigureSize.OneColumn with { WidthInches = 0 });

        foreach (string ext in new[] { "png", "svg", "pdf", "tiff" }) Assert.Equal("old", File.ReadAllText(dir.File("loss." + ext)));
        Assert.Equal(4, Directory.GetFiles(dir.Path).Length);   // no temporary files left behind

        // And a good call replaces them.
        Figure.Save(plot, dir.File("loss.pdf"), FigureSize.OneColumn);
        Assert.StartsWith("%PDF", File.ReadAllText(dir.File("loss.pdf")));
    }

    [Fact]
    public void Png_density_replaces_an_existing_pHYs_chunk()
    {
        byte[] png = Figure.Encode(Grid(), new FigureSize(1, dpi: 72), FigureFormat.Png);
        byte[] again = PngDensity.WithDpi(png, 600);
        Assert.Single(Chunks(again), c => c.Type == "pHYs");
        Assert.Equal(600, PngDensity.ReadDpi(again)!.Value, 0.02);
        using var image = Image.Load<Rgb24>(again);
        Assert.Equal(72, image.Width);
    }

    [Fact]
    public void Preview_shows_the_png_at_its_printed_width()
    {
        var preview = Figure.Preview(Chart(), FigureSize.OneColumn.WithDpi(96));
        Assert.Contains("width:3.25in", preview.ToHtml());
        Assert.Equal(96, PngDensity.ReadDpi(preview.Png)!.Value, 0.1);
    }

    static (double Width, double Height) MediaBox(string pdf)
    {
        var box = Regex.Match(pdf, @"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]");
        Assert.True(box.Success, "no MediaBox");
        return (double.Parse(box.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(box.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    static List<(string Type, byte[] Data, uint Crc)> Chunks(byte[] png)
    {
        var chunks = new List<(string, byte[], uint)>();
        for (int at = 8; at + 12 <= png.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
            chunks.Add((Encoding.ASCII.GetString(png, at + 4, 4), png.AsSpan(at + 8, length).ToArray(), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length))));
            at += length + 12;
        }
        return chunks;
    }

    /// <summary>Mean absolute grey difference between <paramref name="small"/> and <paramref name="big"/> box-averaged by <paramref name="factor"/>.</summary>
    static double MeanAbsDiff(Image<Rgb24> small, Image<Rgb24> big, int factor)
    {
        double total = 0;
        for (int y = 0; y < small.Height; y++)
            for (int x = 0; x < small.Width; x++)
            {
                double sum = 0;
                for (int dy = 0; dy < factor; dy++)
                    for (int dx = 0; dx < factor; dx++)
                    {
                        var p = big[Math.Min(big.Width - 1, x * factor + dx), Math.Min(big.Height - 1, y * factor + dy)];
                        sum += (p.R + p.G + p.B) / 3.0;
                    }
                var q = small[x, y];
                total += Math.Abs(sum / (factor * factor) - (q.R + q.G + q.B) / 3.0);
            }
        return total / (small.Width * small.Height);
    }

    /// <summary>The text of every Flate stream in a PDF (fonts' dictionaries may sit in compressed object streams).</summary>
    static string Inflated(byte[] pdf)
    {
        var sb = new StringBuilder();
        string text = Encoding.Latin1.GetString(pdf);
        foreach (Match m in Regex.Matches(text, @"stream\r?\n"))
        {
            int start = m.Index + m.Length, end = text.IndexOf("endstream", start, StringComparison.Ordinal);
            if (end < 0) continue;
            try
            {
                using var z = new ZLibStream(new MemoryStream(pdf, start, end - start), CompressionMode.Decompress);
                using var r = new StreamReader(z, Encoding.Latin1);
                string s = r.ReadToEnd();
                if (s.Contains("/Font")) sb.Append(s);
            }
            catch (InvalidDataException) { }
        }
        return sb.ToString();
    }
}
