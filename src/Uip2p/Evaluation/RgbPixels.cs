using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Uip2p.Imaging;
using static TorchSharp.torch;

namespace Uip2p.Evaluation;

/// <summary>
/// An 8-bit RGB image as the reference evaluators hold it: <c>PIL.Image.open(path).convert('RGB')</c>.
/// Pixels are row-major <c>H×W×3</c> bytes. Resizing and cropping stay in bytes, because PIL rounds to
/// uint8 after each resampling pass and those roundings are part of the published numbers.
/// </summary>
public sealed class RgbPixels
{
    public RgbPixels(int width, int height, byte[] hwc)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"Invalid image size {width}×{height}.");
        if (hwc.Length != width * height * 3) throw new ArgumentException($"{width}×{height}×3 needs {width * height * 3} bytes, got {hwc.Length}.");
        Width = width;
        Height = height;
        Hwc = hwc;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Row-major pixels, 3 bytes (R, G, B) each.</summary>
    public byte[] Hwc { get; }

    /// <summary>
    /// Loads like <c>Image.open(path).convert('RGB')</c>: grey is replicated to three channels, an alpha
    /// channel is dropped (not premultiplied, not composited), and the EXIF orientation is not applied.
    /// Undecodable files raise <see cref="ImageDecodeException"/> naming the file.
    /// </summary>
    public static RgbPixels Load(string path)
    {
        // ImageSharp's Rgba32/La16/L8 → Rgb24 conversions copy the colour channels and discard alpha, as PIL does.
        using var image = ImageIO.LoadRgb(path, autoOrient: false);
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        var bytes = new byte[pixels.Length * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            bytes[3 * i] = pixels[i].R;
            bytes[3 * i + 1] = pixels[i].G;
            bytes[3 * i + 2] = pixels[i].B;
        }
        return new RgbPixels(image.Width, image.Height, bytes);
    }

    /// <summary>The <paramref name="width"/>×<paramref name="height"/> block whose top-left pixel is (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public RgbPixels Crop(int left, int top, int width, int height)
    {
        if (left < 0 || top < 0 || left + width > Width || top + height > Height)
            throw new ArgumentException($"Cannot crop {width}×{height} at ({left},{top}) out of {Width}×{Height}.");
        var dst = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            Array.Copy(Hwc, ((top + y) * Width + left) * 3, dst, y * width * 3, width * 3);
        return new RgbPixels(width, height, dst);
    }

    /// <summary><c>[H,W,3]</c> uint8 tensor.</summary>
    public Tensor ToHwcTensor() => tensor(Hwc, [Height, Width, 3], ScalarType.Byte);

    /// <summary>torchvision's <c>ToTensor()</c>: <c>[3,H,W]</c> float32, uint8 / 255 (a float32 division, done by LibTorch as there).</summary>
    public Tensor ToTensor()
    {
        using var scope = NewDisposeScope();
        return ToHwcTensor().permute(2, 0, 1).contiguous().to(ScalarType.Float32).div(255).MoveToOuterDisposeScope();
    }
}
