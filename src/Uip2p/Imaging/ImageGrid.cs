using SkiaSharp;
using static TorchSharp.torch;

namespace Uip2p.Imaging;

/// <summary>
/// A figure: images in a grid with optional column headers, row headers and per-cell captions.
/// Small images are enlarged with nearest-neighbour sampling (pixels stay visible) to at least
/// <see cref="MinCellSize"/>. Render with <see cref="ToPng"/> or <see cref="Save"/>; notebooks show it inline;
/// <see cref="Charts.Figure"/> exports it at a printed size as PNG, SVG and PDF.
/// </summary>
public sealed class ImageGrid
{
    readonly List<Tensor> _cells = [];
    readonly List<string?> _captions = [];

    /// <summary>Makes a grid with <paramref name="columns"/> columns (0 = one row).</summary>
    public ImageGrid(int columns = 0, PixelRange range = PixelRange.ZeroOne)
    {
        Columns = columns;
        Range = range;
    }

    /// <summary>Makes a grid of the images of a batch <c>[B,C,H,W]</c>.</summary>
    public static ImageGrid FromBatch(Tensor batch, int columns = 0, IEnumerable<string>? captions = null, PixelRange range = PixelRange.ZeroOne)
    {
        var grid = new ImageGrid(columns, range);
        var caps = captions?.ToList();
        for (int i = 0; i < batch.shape[0]; i++) grid.Add(batch[i], caps != null && i < caps.Count ? caps[i] : null);
        return grid;
    }

    public int Columns { get; set; }
    public PixelRange Range { get; set; }
    public IList<string>? ColumnHeaders { get; set; }
    public IList<string>? RowHeaders { get; set; }
    public string? Title { get; set; }
    public int MinCellSize { get; set; } = 128;
    public int Padding { get; set; } = 6;
    public float FontSize { get; set; } = 13;

    /// <summary>Number of images.</summary>
    public int Count => _cells.Count;

    /// <summary>Adds one image (<c>[3,H,W]</c>, <c>[1,3,H,W]</c> or grey) with an optional caption.</summary>
    public ImageGrid Add(Tensor image, string? caption = null)
    {
        if (!ImageIO.LooksLikeImage(image)) throw new ArgumentException($"Not an image tensor: [{string.Join(",", image.shape)}].");
        // The grid outlives any dispose scope its caller has open.
        var copy = image.detach().cpu().clone();
        copy.DetachFromDisposeScope();
        _cells.Add(copy);
        _captions.Add(caption);
        return this;
    }

    /// <summary>Renders the figure as PNG bytes.</summary>
    public byte[] ToPng()
    {
        using var bitmap = Render();
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes the figure as a PNG file, atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToPng());

    /// <summary>The figure's size in pixels as <see cref="Render"/> draws it (what one unit of <see cref="Draw"/> is).</summary>
    public SKSizeI Size
    {
        get
        {
            using var font = new SKFont(Fonts.Typeface, FontSize);
            var layout = Measure(font);
            return new SKSizeI(layout.Width, layout.Height);
        }
    }

    /// <summary>Renders the figure at its pixel size.</summary>
    public SKBitmap Render()
    {
        var size = Size;
        var bitmap = new SKBitmap(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        Draw(canvas);
        return bitmap;
    }

    /// <summary>
    /// Draws the figure from (0, 0) to <see cref="Size"/> in the canvas's units. A scaled canvas draws it at
    /// another size with sharp text and vector text on PDF/SVG canvases (<see cref="Charts.Figure"/> does);
    /// images are enlarged here by their whole factor, so viewers' smoothing of embedded images stays small.
    /// </summary>
    public void Draw(SKCanvas canvas)
    {
        using var font = new SKFont(Fonts.Typeface, FontSize);
        var l = Measure(font);
        var images = _cells.Select(c => ImageIO.ToImage(c, Range)).ToList();
        try
        {
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using (var white = new SKPaint { Color = SKColors.White })
                canvas.DrawRect(0, 0, l.Width, l.Height, white);
            using var pixelPaint = new SKPaint();
            var sampling = new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);

            if (Title != null)
            {
                using var titleFont = new SKFont(Fonts.Typeface, FontSize * 1.25f);
                canvas.DrawText(Title, l.Width / 2f, Padding + FontSize * 1.25f, SKTextAlign.Center, titleFont, ink);
            }
            int top = l.TitleH + Padding;
            if (ColumnHeaders != null)
                for (int c = 0; c < Math.Min(l.Cols, ColumnHeaders.Count); c++)
                {
                    float cx = l.RowHeaderW + Padding + c * (l.CellW + Padding) + l.CellW / 2f;
                    var lines = Wrap(ColumnHeaders[c], font, l.CellW);
                    for (int k = 0; k < lines.Count; k++)
                        canvas.DrawText(lines[k], cx, top + (k + 1) * l.LineH - FontSize * 0.3f, SKTextAlign.Center, font, ink);
                }
            top += l.HeaderH;

            for (int i = 0; i < images.Count; i++)
            {
                int r = i / l.Cols, c = i % l.Cols;
                float x = l.RowHeaderW + Padding + c * (l.CellW + Padding);
                float y = top + r * (l.CellH + l.CaptionH + Padding);
                using var skImage = ToSkImage(images[i], l.Scale);
                canvas.DrawImage(skImage, SKRect.Create(x, y, skImage.Width, skImage.Height), sampling, pixelPaint);
                for (int k = 0; k < l.Captions[i].Count; k++)
                    canvas.DrawText(l.Captions[i][k], x + l.CellW / 2f, y + l.CellH + (k + 1) * l.LineH - FontSize * 0.2f, SKTextAlign.Center, font, ink);
            }
            if (RowHeaders != null)
                for (int r = 0; r < Math.Min(l.Rows, RowHeaders.Count); r++)
                {
                    float y = top + r * (l.CellH + l.CaptionH + Padding) + l.CellH / 2f + FontSize / 2f;
                    canvas.DrawText(RowHeaders[r], Padding, y, SKTextAlign.Left, font, ink);
                }
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    /// <summary>Where everything goes, from the images' shapes and the text alone.</summary>
    sealed record Layout(int Cols, int Rows, int Scale, int CellW, int CellH, float LineH, List<List<string>> Captions,
        int CaptionH, int HeaderH, int TitleH, int RowHeaderW, int Width, int Height);

    Layout Measure(SKFont font)
    {
        if (_cells.Count == 0) throw new InvalidOperationException("The grid has no images.");
        int cols = Columns > 0 ? Columns : _cells.Count;
        int rows = (_cells.Count + cols - 1) / cols;
        // Every image form ImageIO accepts ([3,H,W], [1,3,H,W], [1,H,W], [H,W]) ends in H, W.
        int maxW = _cells.Max(c => (int)c.shape[^1]), maxH = _cells.Max(c => (int)c.shape[^2]);
        int scale = Math.Max(1, (int)Math.Ceiling(MinCellSize / (double)Math.Max(maxW, maxH)));
        int cellW = maxW * scale, cellH = maxH * scale;

        float lineH = FontSize * 1.3f;
        var wrapped = _captions.Select(c => c == null ? [] : Wrap(c, font, cellW)).ToList();
        int captionLines = wrapped.Count == 0 ? 0 : wrapped.Max(w => w.Count);
        int captionH = (int)Math.Ceiling(captionLines * lineH);
        int headerH = ColumnHeaders is { Count: > 0 } ? (int)Math.Ceiling(ColumnHeaders.Max(h => Wrap(h, font, cellW).Count) * lineH) + Padding : 0;
        int titleH = Title != null ? (int)Math.Ceiling(lineH * 1.4) + Padding : 0;
        int rowHeaderW = RowHeaders is { Count: > 0 } ? (int)Math.Ceiling(RowHeaders.Max(h => font.MeasureText(h))) + 2 * Padding : 0;

        int width = rowHeaderW + cols * (cellW + Padding) + Padding;
        int height = titleH + headerH + rows * (cellH + captionH + Padding) + Padding;
        return new Layout(cols, rows, scale, cellW, cellH, lineH, wrapped, captionH, headerH, titleH, rowHeaderW, width, height);
    }

    /// <summary>The image enlarged <paramref name="scale"/> times by repeating pixels.</summary>
    static SKImage ToSkImage(SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image, int scale)
    {
        int w = image.Width, h = image.Height, sw = w * scale, sh = h * scale;
        var rgb = new SixLabors.ImageSharp.PixelFormats.Rgb24[w * h];
        image.CopyPixelDataTo(rgb);
        var rgba = new byte[sw * sh * 4];
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++)
            {
                var p = rgb[y / scale * w + x / scale];
                int o = 4 * (y * sw + x);
                rgba[o] = p.R; rgba[o + 1] = p.G; rgba[o + 2] = p.B; rgba[o + 3] = 255;
            }
        var info = new SKImageInfo(sw, sh, SKColorType.Rgba8888, SKAlphaType.Opaque);
        return SKImage.FromPixelCopy(info, rgba, sw * 4);
    }

    /// <summary>Greedy word wrap to a pixel width.</summary>
    static List<string> Wrap(string text, SKFont font, float width)
    {
        var lines = new List<string>();
        foreach (string paragraph in text.Split('\n'))
        {
            string line = "";
            foreach (string word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && font.MeasureText(candidate) > width) { lines.Add(line); line = word; }
                else line = candidate;
            }
            lines.Add(line);
        }
        return lines;
    }
}
