using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Uip2p.Tests.Data;

/// <summary>Small encoded images for the importer tests, different per seed.</summary>
static class TestImages
{
    public static byte[] Png(int seed, int width = 16, int height = 12) => Encode(seed, width, height, png: true);
    public static byte[] Jpeg(int seed, int width = 16, int height = 12) => Encode(seed, width, height, png: false);

    static byte[] Encode(int seed, int width, int height, bool png)
    {
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)(seed * 40 + x * 8), (byte)(y * 16), (byte)(seed * 13));
        using var ms = new MemoryStream();
        if (png) image.Save(ms, new PngEncoder()); else image.Save(ms, new JpegEncoder { Quality = 90 });
        return ms.ToArray();
    }

    /// <summary>Bytes that start like a PNG and then stop: the decoder must refuse them.</summary>
    public static byte[] Truncated(int seed) => Png(seed)[..40];
}
