using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace Uip2p.Imaging;

/// <summary>
/// PNG/JPEG files ↔ float tensors <c>[B,3,H,W]</c>. Untrusted files are decoded with limits: the header
/// is read first and an image larger than <see cref="DefaultMaxPixels"/> is refused before any pixel
/// memory is allocated (decompression bombs), and a file whose end marker is missing is refused as truncated.
/// </summary>
public static class ImageIO
{
    /// <summary>Largest image (width × height) decoded unless the caller allows more: 64 megapixels.</summary>
    public static long DefaultMaxPixels { get; set; } = 64L * 1024 * 1024;

    /// <summary>Loads one image as <c>[1,3,H,W]</c> float32 on the CPU.</summary>
    public static Tensor Load(string path, PixelRange range = PixelRange.ZeroOne, long? maxPixels = null)
    {
        using var image = LoadRgb(path, maxPixels);
        return FromImage(image, range);
    }

    /// <summary>Loads images of one size as a batch <c>[B,3,H,W]</c>; different sizes are an error naming both files.</summary>
    public static Tensor LoadBatch(IReadOnlyList<string> paths, PixelRange range = PixelRange.ZeroOne, long? maxPixels = null)
    {
        if (paths.Count == 0) throw new ArgumentException("No image paths given.", nameof(paths));
        using var scope = NewDisposeScope();
        var tensors = new List<Tensor>();
        foreach (string path in paths)
        {
            var t = Load(path, range, maxPixels);
            if (tensors.Count > 0 && !t.shape.SequenceEqual(tensors[0].shape))
                throw new ArgumentException(
                    $"{path} is {t.shape[3]}×{t.shape[2]} but {paths[0]} is {tensors[0].shape[3]}×{tensors[0].shape[2]}; resize them to one size first.");
            tensors.Add(t);
        }
        return cat(tensors, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes a file to an RGB image, with the size limit and clear errors. <paramref name="autoOrient"/> applies
    /// the EXIF orientation; PIL's <c>Image.open</c> (which reference evaluation code uses) does not.
    /// </summary>
    public static Image<Rgb24> LoadRgb(string path, long? maxPixels = null, bool autoOrient = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such image file.", path);
        return DecodeRgb(File.ReadAllBytes(path), path, maxPixels, autoOrient);
    }

    /// <summary>
    /// Decodes encoded image bytes (a file's, or a parquet cell's) with the same limits as files;
    /// <paramref name="name"/> names the source in errors; <paramref name="autoOrient"/> as in <see cref="LoadRgb"/>.
    /// </summary>
    public static Image<Rgb24> DecodeRgb(byte[] bytes, string name, long? maxPixels = null, bool autoOrient = true)
    {
        string path = name;
        long limit = maxPixels ?? DefaultMaxPixels;
        if (bytes.Length == 0) throw new ImageDecodeException(path, "the file is empty (0 bytes).");
        try
        {
            var info = Image.Identify(bytes, out IImageFormat? format);
            if (info == null || format == null)
                throw new ImageDecodeException(path, "not a recognised image format (PNG, JPEG, BMP, GIF, TGA or PBM expected).");
            long pixels = (long)info.Width * info.Height;
            if (info.Width <= 0 || info.Height <= 0)
                throw new ImageDecodeException(path, $"the header declares an empty image ({info.Width}×{info.Height}).");
            if (pixels > limit)
                throw new ImageDecodeException(path,
                    $"the header declares {info.Width}×{info.Height} = {pixels:N0} pixels, more than the limit of {limit:N0}; refused before decoding (raise the limit only for files you trust).");
            CheckComplete(path, bytes, format);
            var image = Image.Load<Rgb24>(bytes);
            if (autoOrient) image.Mutate(x => x.AutoOrient());
            return image;
        }
        catch (ImageDecodeException) { throw; }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or IOException or NotSupportedException or IndexOutOfRangeException or ArgumentException)
        {
            throw new ImageDecodeException(path, "corrupt image data: " + e.Message, e);
        }
    }

    /// <summary>
    /// Checks that encoded bytes decode within the limits (a full decode: corrupt pixel data fails too)
    /// and returns the size and the file extension of their format (".png", ".jpg", ...).
    /// </summary>
    public static (int Width, int Height, string Extension) Validate(byte[] bytes, string name, long? maxPixels = null)
    {
        using var image = DecodeRgb(bytes, name, maxPixels);
        var format = Image.DetectFormat(bytes);
        string ext = format?.FileExtensions.FirstOrDefault() ?? "img";
        return (image.Width, image.Height, "." + (ext == "jpeg" ? "jpg" : ext));
    }

    // ImageSharp fills a truncated PNG/JPEG with black instead of failing; their end markers tell.
    static void CheckComplete(string path, byte[] bytes, IImageFormat format)
    {
        if (format is PngFormat)
        {
            ReadOnlySpan<byte> iend = [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D'];
            int tail = Math.Min(bytes.Length, 64);
            if (bytes.AsSpan(bytes.Length - tail).IndexOf(iend) < 0)
                throw new ImageDecodeException(path, "truncated PNG (no IEND chunk at the end of the file).");
        }
        else if (format is JpegFormat)
        {
            int tail = Math.Min(bytes.Length, 64);
            if (bytes.AsSpan(bytes.Length - tail).IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0)
                throw new ImageDecodeException(path, "truncated JPEG (no end-of-image marker at the end of the file).");
        }
    }

    /// <summary>An RGB image → <c>[1,3,H,W]</c> float32.</summary>
    public static Tensor FromImage(Image<Rgb24> image, PixelRange range = PixelRange.ZeroOne)
    {
        int h = image.Height, w = image.Width;
        var pixels = new Rgb24[h * w];
        image.CopyPixelDataTo(pixels);
        var data = new float[3 * h * w];
        int plane = h * w;
        for (int i = 0; i < plane; i++)
        {
            data[i] = pixels[i].R / 255f;
            data[plane + i] = pixels[i].G / 255f;
            data[2 * plane + i] = pixels[i].B / 255f;
        }
        var t = tensor(data, [1, 3, h, w]);
        return range == PixelRange.MinusOneOne ? t.mul_(2).sub_(1) : t;
    }

    /// <summary>
    /// A tensor image → RGB image. Accepts <c>[3,H,W]</c>, <c>[1,3,H,W]</c>, <c>[1,H,W]</c> or <c>[H,W]</c>
    /// (grey); values are clamped to the range and rounded to 8 bits.
    /// </summary>
    public static Image<Rgb24> ToImage(Tensor image, PixelRange range = PixelRange.ZeroOne)
    {
        using var scope = NewDisposeScope();
        var t = AsChw(image).detach().to(ScalarType.Float32).cpu();
        if (range == PixelRange.MinusOneOne) t = t.add(1).div(2);
        t = t.clamp(0, 1).mul(255).round().to(ScalarType.Byte);
        if (t.shape[0] == 1) t = t.expand(3, -1, -1);
        int h = (int)t.shape[1], w = (int)t.shape[2];
        byte[] hwc = t.permute(1, 2, 0).contiguous().data<byte>().ToArray();
        return Image.LoadPixelData<Rgb24>(hwc, w, h);
    }

    /// <summary>
    /// Saves a tensor image as PNG or JPEG (by extension) atomically: written to a temporary file in the
    /// same folder, then renamed over the target, so an existing file is never left half-written.
    /// </summary>
    public static void Save(Tensor image, string path, PixelRange range = PixelRange.ZeroOne, int jpegQuality = 95)
    {
        using var img = ToImage(image, range);
        Save(img, path, jpegQuality);
    }

    /// <summary>Saves an RGB image atomically (PNG or JPEG by extension).</summary>
    public static void Save(Image<Rgb24> image, string path, int jpegQuality = 95)
    {
        IImageEncoder encoder = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => new PngEncoder(),
            ".jpg" or ".jpeg" => new JpegEncoder { Quality = jpegQuality },
            var ext => throw new ArgumentException($"{path}: cannot save '{ext}' files; use .png, .jpg or .jpeg."),
        };
        AtomicFile.Write(path, stream => image.Save(stream, encoder));
    }

    /// <summary>PNG bytes of a tensor image (for notebooks and HTML reports).</summary>
    public static byte[] EncodePng(Tensor image, PixelRange range = PixelRange.ZeroOne)
    {
        using var img = ToImage(image, range);
        using var ms = new MemoryStream();
        img.Save(ms, new PngEncoder());
        return ms.ToArray();
    }

    /// <summary>Whether a tensor has the shape of one image or a batch of images (1 or 3 channels).</summary>
    public static bool LooksLikeImage(Tensor t)
    {
        if (!t.is_floating_point() && t.dtype != ScalarType.Byte) return false;
        long[] s = t.shape;
        return s.Length switch
        {
            2 => s[0] >= 2 && s[1] >= 2,
            3 => (s[0] == 1 || s[0] == 3) && s[1] >= 2 && s[2] >= 2,
            4 => (s[1] == 1 || s[1] == 3) && s[0] >= 1 && s[2] >= 2 && s[3] >= 2,
            _ => false,
        };
    }

    static Tensor AsChw(Tensor t)
    {
        long[] s = t.shape;
        return s.Length switch
        {
            2 => t.unsqueeze(0),
            3 when s[0] is 1 or 3 => t,
            4 when s[0] == 1 && s[1] is 1 or 3 => t[0],
            _ => throw new ArgumentException(
                $"Expected one image [3,H,W], [1,3,H,W], [1,H,W] or [H,W]; got [{string.Join(",", s)}]. For a batch use ImageGrid."),
        };
    }
}
