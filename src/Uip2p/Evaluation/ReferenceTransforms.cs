using Uip2p.Models.Clip;
using Uip2p.Models.Dino;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Uip2p.Evaluation;

/// <summary>
/// The preprocessing of the reference evaluators, step by step so that each stage can be compared with
/// the oracle: torchvision's <c>Resize(int)</c> / <c>CenterCrop</c> on PIL images (in bytes, through
/// <see cref="PilResize"/>), <c>ToTensor</c>, <c>Normalize</c>, and ClipSimilarity's tensor interpolation.
/// </summary>
public static class ReferenceTransforms
{
    /// <summary>
    /// torchvision <c>Resize(size)</c> with an int on a PIL image: the shorter side becomes <paramref name="size"/>,
    /// the longer <c>int(size * long / short)</c> (truncated, not rounded), PIL bicubic.
    /// </summary>
    public static RgbPixels ResizeShorterSide(RgbPixels image, int size)
    {
        int w = image.Width, h = image.Height;
        (int shortSide, int longSide) = w <= h ? (w, h) : (h, w);
        int newLong = (int)((double)size * longSide / shortSide);
        (int nw, int nh) = w <= h ? (size, newLong) : (newLong, size);
        return PilResize.Bicubic(image, nw, nh);
    }

    /// <summary>
    /// torchvision <c>CenterCrop(size)</c>: offsets <c>int(round((h − size) / 2))</c>, Python's round (half to
    /// even, which is .NET's default <see cref="Math.Round(double)"/>).
    /// </summary>
    public static RgbPixels CenterCrop(RgbPixels image, int size)
    {
        if (size > image.Width || size > image.Height)
            throw new ArgumentException($"Cannot centre-crop {size}×{size} out of {image.Width}×{image.Height}.");
        int top = (int)Math.Round((image.Height - size) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((image.Width - size) / 2.0, MidpointRounding.ToEven);
        return image.Crop(left, top, size, size);
    }

    /// <summary>torchvision <c>Normalize(mean, std)</c> on <c>[3,H,W]</c>: subtract, then divide, in float32.</summary>
    public static Tensor Normalize(Tensor chw, float[] mean, float[] std)
    {
        using var scope = NewDisposeScope();
        var m = tensor(mean).view(3, 1, 1);
        var s = tensor(std).view(3, 1, 1);
        return chw.sub(m).div(s).MoveToOuterDisposeScope();
    }

    /// <summary>CLIP's <c>_transform(R)</c> up to the crop: <c>Resize(R, BICUBIC)</c> → <c>CenterCrop(R)</c>.</summary>
    public static RgbPixels ClipCrop(RgbPixels image, int resolution) => CenterCrop(ResizeShorterSide(image, resolution), resolution);

    /// <summary>CLIP's full preprocess: crop → ToTensor → Normalize(CLIP mean/std); <c>[1,3,R,R]</c>.</summary>
    public static Tensor ClipInput(RgbPixels image, int resolution)
    {
        using var x = ClipCrop(image, resolution).ToTensor();
        using var n = Normalize(x, ClipPreprocessing.Mean, ClipPreprocessing.Std);
        return n.unsqueeze(0);
    }

    /// <summary>MagicBrush's DINO transform up to the crop: <c>Resize(256, BICUBIC)</c> → <c>CenterCrop(224)</c> (fixed sizes, whatever the model).</summary>
    public static RgbPixels DinoCrop(RgbPixels image, int resize = 256, int crop = 224) => CenterCrop(ResizeShorterSide(image, resize), crop);

    /// <summary>MagicBrush's DINO preprocess: crop → ToTensor → Normalize(ImageNet mean/std); <c>[1,3,224,224]</c>.</summary>
    public static Tensor DinoInput(RgbPixels image)
    {
        using var x = DinoCrop(image).ToTensor();
        using var n = Normalize(x, DinoPreprocessing.Mean, DinoPreprocessing.Std);
        return n.unsqueeze(0);
    }

    /// <summary>
    /// ClipSimilarity's <c>encode_image</c> input: <c>F.interpolate(x, size=R, mode='bicubic', align_corners=False)</c>
    /// on the whole image in [0,1] (squashed to a square; torch's bicubic, a = −0.75, no antialias), then
    /// <c>(x − mean) / std</c>; <c>[1,3,R,R]</c>.
    /// </summary>
    public static Tensor Ip2pInput(RgbPixels image, int resolution)
    {
        using var scope = NewDisposeScope();
        var x = image.ToTensor().unsqueeze(0);
        x = F.interpolate(x, [resolution, resolution], mode: InterpolationMode.Bicubic, align_corners: false);
        var m = tensor(ClipPreprocessing.Mean).view(1, 3, 1, 1);
        var s = tensor(ClipPreprocessing.Std).view(1, 3, 1, 1);
        return x.sub(m).div(s).MoveToOuterDisposeScope();
    }
}
