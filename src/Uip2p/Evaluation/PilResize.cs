namespace Uip2p.Evaluation;

/// <summary>
/// Pillow's <c>Image.resize(size, Image.BICUBIC)</c> on 8-bit RGB, bit for bit (written from the description
/// of Pillow's <c>Resample.c</c>): a separable cubic convolution with a = −0.5 whose support widens with the
/// shrink factor (antialiasing), taps outside the image dropped and the remaining weights renormalised,
/// 22-bit fixed-point coefficients, horizontal pass first through a uint8 intermediate, rounding half up
/// at each pass. A resampler that is merely "bicubic" differs by up to several levels, which moves L1 by 1e-3.
/// </summary>
public static class PilResize
{
    const int PrecisionBits = 32 - 8 - 2;
    const double Support = 2.0; // Pillow's bicubic filter support at scale 1

    /// <summary>Pillow's bicubic kernel, a = −0.5.</summary>
    static double Cubic(double x)
    {
        const double a = -0.5;
        if (x < 0) x = -x;
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    /// <summary>Resizes to <paramref name="width"/>×<paramref name="height"/>; the same size is a copy.</summary>
    public static RgbPixels Bicubic(RgbPixels image, int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"Cannot resize to {width}×{height}.");
        var current = image;
        // Only the passes whose size changes run (Pillow's need_horizontal / need_vertical).
        if (width != image.Width) current = Horizontal(current, width);
        if (height != image.Height) current = Vertical(current, height);
        return ReferenceEquals(current, image) ? new RgbPixels(image.Width, image.Height, (byte[])image.Hwc.Clone()) : current;
    }

    /// <summary>Per output index: first input tap, tap count, and fixed-point weights (ksize per row).</summary>
    static (int[] First, int[] Count, int[] Weights, int KSize) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(1.0, scale);
        double support = Support * filterScale;
        int kSize = (int)Math.Ceiling(support) * 2 + 1;
        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * kSize];
        var k = new double[kSize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.Max(0, (int)(center - support + 0.5)); // C's truncating casts, as Pillow rounds
            int xmax = Math.Min(inSize, (int)(center + support + 0.5)) - xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++)
            {
                k[x] = Cubic((x + xmin - center + 0.5) * ss);
                ww += k[x];
            }
            for (int x = 0; x < xmax; x++)
            {
                double w = ww != 0 ? k[x] / ww : k[x];
                // normalize_coeffs_8bpc: round half away from zero into 22-bit fixed point.
                weights[xx * kSize + x] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return (first, count, weights, kSize);
    }

    static byte Clip8(int acc)
    {
        int v = acc >> PrecisionBits; // arithmetic shift, as in C on the reference's platforms
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    static RgbPixels Horizontal(RgbPixels src, int outWidth)
    {
        var (first, count, weights, kSize) = Coefficients(src.Width, outWidth);
        int h = src.Height, inW = src.Width;
        byte[] s = src.Hwc;
        var dst = new byte[outWidth * h * 3];
        for (int y = 0; y < h; y++)
        {
            int row = y * inW * 3;
            for (int xx = 0; xx < outWidth; xx++)
            {
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                int k0 = xx * kSize, x0 = first[xx];
                for (int x = 0; x < count[xx]; x++)
                {
                    int w = weights[k0 + x], p = row + (x0 + x) * 3;
                    r += s[p] * w;
                    g += s[p + 1] * w;
                    b += s[p + 2] * w;
                }
                int o = (y * outWidth + xx) * 3;
                dst[o] = Clip8(r);
                dst[o + 1] = Clip8(g);
                dst[o + 2] = Clip8(b);
            }
        }
        return new RgbPixels(outWidth, h, dst);
    }

    static RgbPixels Vertical(RgbPixels src, int outHeight)
    {
        var (first, count, weights, kSize) = Coefficients(src.Height, outHeight);
        int w = src.Width;
        byte[] s = src.Hwc;
        var dst = new byte[w * outHeight * 3];
        for (int yy = 0; yy < outHeight; yy++)
        {
            int k0 = yy * kSize, y0 = first[yy];
            for (int x = 0; x < w; x++)
            {
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                for (int y = 0; y < count[yy]; y++)
                {
                    int wt = weights[k0 + y], p = ((y0 + y) * w + x) * 3;
                    r += s[p] * wt;
                    g += s[p + 1] * wt;
                    b += s[p + 2] * wt;
                }
                int o = (yy * w + x) * 3;
                dst[o] = Clip8(r);
                dst[o + 1] = Clip8(g);
                dst[o + 2] = Clip8(b);
            }
        }
        return new RgbPixels(w, outHeight, dst);
    }
}
