using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Uip2p.Imaging;

/// <summary>
/// Size arithmetic and differentiable resize/crop on image tensors <c>[B,C,H,W]</c>.
/// Tensor ops (not ImageSharp) so that losses can back-propagate through them.
/// </summary>
public static class ImageOps
{
    /// <summary>Floors a side to a multiple (the VAE needs multiples of 8: DESIGN §2).</summary>
    public static int FloorToMultiple(int side, int multiple = 8)
    {
        if (multiple < 1) throw new ArgumentOutOfRangeException(nameof(multiple));
        int floored = side - side % multiple;
        if (floored < multiple) throw new ArgumentException($"A side of {side} px is smaller than one block of {multiple} px.");
        return floored;
    }

    /// <summary>
    /// The size with the same aspect ratio whose area is closest to <paramref name="targetPixels"/>,
    /// each side floored to a multiple of <paramref name="multiple"/> (e.g. 512×512 worth of pixels for any photo).
    /// </summary>
    public static (int Height, int Width) FitArea(int height, int width, long targetPixels, int multiple = 8)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"Invalid size {width}×{height}.");
        double factor = Math.Sqrt(targetPixels / ((double)height * width));
        int h = Math.Max(multiple, FloorToMultiple(Math.Max(multiple, (int)Math.Round(height * factor)), multiple));
        int w = Math.Max(multiple, FloorToMultiple(Math.Max(multiple, (int)Math.Round(width * factor)), multiple));
        return (h, w);
    }

    /// <summary>Resizes <c>[B,C,H,W]</c> (bilinear by default, antialiased when shrinking).</summary>
    public static Tensor Resize(Tensor images, int height, int width, InterpolationMode mode = InterpolationMode.Bilinear)
    {
        if (images.dim() != 4) throw new ArgumentException($"Resize takes a batch [B,C,H,W]; got [{string.Join(",", images.shape)}].");
        if (images.shape[^2] == height && images.shape[^1] == width) return images.alias();
        bool shrinking = height < images.shape[^2] || width < images.shape[^1];
        bool aa = shrinking && mode is InterpolationMode.Bilinear or InterpolationMode.Bicubic;
        bool? align = mode is InterpolationMode.Nearest or InterpolationMode.Area ? null : false;
        return F.interpolate(images, [height, width], mode: mode, align_corners: align, antialias: aa);
    }

    /// <summary>Resizes each side down to a multiple of 8 (IP2P's preprocessing of an input image).</summary>
    public static Tensor ResizeToMultiple(Tensor images, int multiple = 8) =>
        Resize(images, FloorToMultiple((int)images.shape[^2], multiple), FloorToMultiple((int)images.shape[^1], multiple));

    /// <summary>Resizes so the shorter side is <paramref name="side"/>, keeping the aspect ratio.</summary>
    public static Tensor ResizeShorterSide(Tensor images, int side, InterpolationMode mode = InterpolationMode.Bicubic)
    {
        long h = images.shape[^2], w = images.shape[^1];
        (int nh, int nw) = h <= w ? (side, (int)Math.Round(w * (double)side / h)) : ((int)Math.Round(h * (double)side / w), side);
        return Resize(images, nh, nw, mode);
    }

    /// <summary>Crops the centre <paramref name="height"/>×<paramref name="width"/> (torchvision's rounding).</summary>
    public static Tensor CenterCrop(Tensor images, int height, int width)
    {
        long h = images.shape[^2], w = images.shape[^1];
        if (height > h || width > w) throw new ArgumentException($"Cannot crop {width}×{height} out of {w}×{h}.");
        long top = (long)Math.Round((h - height) / 2.0), left = (long)Math.Round((w - width) / 2.0);
        return images[.., .., TensorIndex.Slice(top, top + height), TensorIndex.Slice(left, left + width)];
    }

    /// <summary>[0,1] → [−1,1] or back.</summary>
    public static Tensor Convert(Tensor images, PixelRange from, PixelRange to) =>
        from == to ? images : to == PixelRange.MinusOneOne ? images.mul(2).sub(1) : images.add(1).div(2);
}
