using Uip2p.Imaging;
using Uip2p.Models.Clip;
using static TorchSharp.torch;

using Uip2p.Models;

namespace Uip2p.Models.Dino;

/// <summary>MagicBrush's DINO preprocessing as tensor ops: resize shorter side to 256 (bicubic), centre crop 224, ImageNet mean/std.</summary>
public static class DinoPreprocessing
{
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>Images <c>[B,3,H,W]</c> in [0,1] → normalised <c>[B,3,crop,crop]</c>.</summary>
    public static Tensor Apply(Tensor images01, int resize = 256, int crop = 224)
    {
        using var scope = Scopes.ForInference();
        var x = ImageOps.CenterCrop(ImageOps.ResizeShorterSide(images01, resize, InterpolationMode.Bicubic), crop, crop);
        return scope.Keep(ClipPreprocessing.Normalize(x, Mean, Std));
    }
}
