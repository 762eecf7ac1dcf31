using SkiaSharp;
using static TorchSharp.torch;

namespace Uip2p.Imaging;

/// <summary>
/// A figure: images in a grid with optional column headers, row headers and per-cell captions.
/// Small images are enlarged with nearest-neighbour sampling (pixels stay visible) to at least
/// <see cref="MinCellSize"/>. Render with <see cref="ToPng"/> or <see cref="Save"/>; notebooks show it inline.
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

    /// <summary>Renders the figure.</summary>
    public SKBitmap Render()
    {
        if (_cells.Count == 0) throw new InvalidOperationException("The grid has no images.");
        int cols = Columns > 0 ? Columns : _cells.Count;
        int rows = (_cells.Count + cols - 1) / cols;
        var images = _cells.Select(c => ImageIO.ToImage(c, Range)).ToList();
        try
        {
            int maxW = images.Max(i => i.Width), maxH = images.Max(i => i.Height);
            int scale = Math.Max(1, (int)Math.Ceiling(MinCellSize / (double)Math.Max(maxW, maxH)));
            int cellW = maxW * scale, cellH = maxH * scale;

            using var font = new SKFont(Fonts.Typeface, FontSize);
            float lineH = FontSize * 1.3f;
            var wrapped = _captions.Select(c => c == null ? [] : Wrap(c, font, cellW)).ToList();
            int captionLines = wrapped.Count == 0 ? 0 : wrapped.Max(w => w.Count);
            int captionH = (int)Math.Ceiling(captionLines * lineH);
            int headerH = ColumnHeaders is { Count: > 0 } ? (int)Math.Ceiling(ColumnHeaders.Max(h => Wrap(h, font, cellW).Count) * lineH) + Padding : 0;
            int titleH = Title != null ? (int)Math.Ceiling(lineH * 1.4) + Padding : 0;
            int rowHeaderW = RowHeaders is { Count: > 0 } ? (int)Math.Ceiling(RowHeaders.Max(h => font.MeasureText(h))) + 2 * Padding : 0;

            int width = rowHeaderW + cols * (cellW + Padding) + Padding;
            int height = titleH + headerH + rows * (cellH + captionH + Padding) + Padding;
            var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
            using var canvas = new SKCanvas(bitmap);
            canvas.Clear(SKColors.White);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using var pixelPaint = new SKPaint();
            var sampling = new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);

            if (Title != null)
            {
                using var titleFont = new SKFont(Fonts.Typeface, FontSize * 1.25f);
                canvas.DrawText(Title, width / 2f, Padding + FontSize * 1.25f, SKTextAlign.Center, titleFont, ink);
            }
            int top = titleH + Padding;
            if (ColumnHeaders != null)
                for (int c = 0; c < Math.Min(cols, ColumnHeaders.Count); c++)
                {
                    float cx = rowHeaderW + Padding + c * (cellW + Padding) + cellW / 2f;
                    var lines = Wrap(ColumnHeaders[c], font, cellW);
                    for (int l = 0; l < lines.Count; l++)
                        canvas.DrawText(lines[l], cx, top + (l + 1) * lineH - FontSize * 0.3f, SKTextAlign.Center, font, ink);
                }
            top += headerH;

            for (int i = 0; i < images.Count; i++)
            {
                int r = i / cols, c = i % cols;
                float x = rowHeaderW + Padding + c * (cellW + Padding);
                float y = top + r * (cellH + captionH + Padding);
                using var skImage = ToSkImage(images[i]);
                var dest = SKRect.Create(x, y, images[i].Width * scale, images[i].Height * scale);
                canvas.DrawImage(skImage, dest, sampling, pixelPaint);
                for (int l = 0; l < wrapped[i].Count; l++)
                    canvas.DrawText(wrapped[i][l], x + cellW / 2f, y + cellH + (l + 1) * lineH - FontSize * 0.2f, SKTextAlign.Center, font, ink);
            }
            if (RowHeaders != null)
                for (int r = 0; r < Math.Min(rows, RowHeaders.Count); r++)
                {
                    float y = top + r * (cellH + captionH + Padding) + cellH / 2f + FontSize / 2f;
                    canvas.DrawText(RowHeaders[r], Padding, y, SKTextAlign.Left, font, ink);
                }
            return bitmap;
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    static SKImage ToSkImage(SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image)
    {
        int w = image.Width, h = image.Height;
        var rgb = new SixLabors.ImageSharp.PixelFormats.Rgb24[w * h];
        image.CopyPixelDataTo(rgb);
        var rgba = new byte[w * h * 4];
        for (int i = 0; i < rgb.Length; i++)
        {
            rgba[4 * i] = rgb[i].R; rgba[4 * i + 1] = rgb[i].G; rgba[4 * i + 2] = rgb[i].B; rgba[4 * i + 3] = 255;
        }
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
        return SKImage.FromPixelCopy(info, rgba, w * 4);
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
