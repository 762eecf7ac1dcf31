using Uip2p.Imaging;
using static TorchSharp.torch;

using Uip2p.Models;

namespace Uip2p.Models.Clip;

/// <summary>
/// CLIP's image preprocessing as differentiable tensor ops, so a loss on CLIP embeddings back-propagates
/// to the pixels: bicubic resize of the shorter side to the model's size (antialiased, like PIL),
/// centre crop, CLIP mean/std. Input <c>[B,3,H,W]</c> in [0,1].
/// </summary>
public static class ClipPreprocessing
{
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Resize shorter side → centre crop → normalise.</summary>
    public static Tensor Apply(Tensor images01, int size)
    {
        using var scope = Scopes.ForInference();
        var x = images01.shape[^2] == size && images01.shape[^1] == size
            ? images01
            : ImageOps.CenterCrop(ImageOps.ResizeShorterSide(images01, size, InterpolationMode.Bicubic), size, size);
        return scope.Keep(Normalize(x, Mean, Std));
    }

    /// <summary><c>(x − mean) / std</c> per channel.</summary>
    public static Tensor Normalize(Tensor x, float[] mean, float[] std)
    {
        var m = tensor(mean, dtype: x.dtype, device: x.device).view(1, 3, 1, 1);
        var s = tensor(std, dtype: x.dtype, device: x.device).view(1, 3, 1, 1);
        return (x - m) / s;
    }
}
