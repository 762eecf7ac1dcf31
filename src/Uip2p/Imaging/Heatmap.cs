using static TorchSharp.torch;

namespace Uip2p.Imaging;

/// <summary>
/// Attention maps made legible: upsampled from their feature-map size (8×8 for the world) to a display size,
/// coloured with a <see cref="Colormap"/> on one shared <see cref="HeatScale"/> so maps in one figure compare, and blended
/// over the image they belong to. <see cref="ColorBar"/> draws the scale the colours stand for.
/// </summary>
public static class Heatmap
{
    /// <summary>Default display side of a map in a figure (an 8×8 map becomes 24-px cells).</summary>
    public const int DisplaySize = 192;

    /// <summary>A map <c>[h,w]</c> coloured on [<paramref name="scale"/>.Min, .Max] and resized to <c>[3,size,size]</c> (bilinear).</summary>
    public static Tensor Colorize(Tensor map, HeatScale scale, int size = DisplaySize, Colormap? colormap = null)
    {
        using var scope = NewDisposeScope();
        var m = Upsample(map, size);
        var coloured = (colormap ?? Colormap.Inferno).Apply((m - scale.Min) / Math.Max(scale.Max - scale.Min, 1e-12));
        return coloured.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The map blended over <paramref name="image"/> (<c>[3,H,W]</c> in [0,1]): (1−α)·image + α·colour, at
    /// <c>[3,size,size]</c>. Small images are enlarged with nearest neighbours so the world's pixels stay crisp.
    /// </summary>
    public static Tensor Overlay(Tensor image, Tensor map, HeatScale scale, int size = DisplaySize, double alpha = 0.6, Colormap? colormap = null)
    {
        using var scope = NewDisposeScope();
        var img = Display(image, size);
        var colour = Colorize(map.cpu(), scale, size, colormap);
        return ((1 - alpha) * img + alpha * colour).clamp(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>A vertical colour bar <c>[3,height,width]</c>: the top row is the scale's maximum, the bottom its minimum.</summary>
    public static Tensor ColorBar(int height = DisplaySize, int width = 20, Colormap? colormap = null)
    {
        using var scope = NewDisposeScope();
        var ramp = linspace(1, 0, height).unsqueeze(1).expand(height, width);
        return (colormap ?? Colormap.Inferno).Apply(ramp).MoveToOuterDisposeScope();
    }

    /// <summary>The colour bar's caption: its range with three significant digits.</summary>
    public static string ColorBarCaption(HeatScale scale, string what = "attention") =>
        $"{what}: {G3(scale.Min)} (bottom) … {G3(scale.Max)} (top)";

    static string G3(double v) => v.ToString("G3", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An image <c>[3,H,W]</c> at the display size: nearest neighbours when enlarging, antialiased bilinear when shrinking.</summary>
    public static Tensor Display(Tensor image, int size = DisplaySize)
    {
        var img = image.detach().cpu().to(ScalarType.Float32).unsqueeze(0);
        var mode = image.shape[^1] < size ? InterpolationMode.Nearest : InterpolationMode.Bilinear;
        return ImageOps.Resize(img, size, size, mode)[0].clamp(0, 1);
    }

    static Tensor Upsample(Tensor map, int size)
    {
        var m = map.detach().to(ScalarType.Float32);
        if (m.dim() != 2) throw new ArgumentException($"A heat map is [h,w]; got [{string.Join(",", m.shape)}].");
        return nn.functional.interpolate(m.unsqueeze(0).unsqueeze(0), [size, size], mode: InterpolationMode.Bilinear, align_corners: false)[0, 0];
    }
}

/// <summary>The value range a figure's colours span (one per figure, so brightness compares across its maps).</summary>
public readonly record struct HeatScale(double Min, double Max)
{
    /// <summary>From 0 to the largest value: for shares and probabilities, where 0 means "none".</summary>
    public static HeatScale ZeroTo(IEnumerable<Tensor> maps) => new(0, maps.Max(m => (double)m.max().item<float>()));

    /// <summary>From the smallest to the largest value: contrast for maps that are nearly uniform.</summary>
    public static HeatScale Span(IEnumerable<Tensor> maps)
    {
        var list = maps.ToList();
        return new(list.Min(m => (double)m.min().item<float>()), list.Max(m => (double)m.max().item<float>()));
    }
}
