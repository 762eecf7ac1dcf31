using TorchSharp;
using Uip2p.Models.Clip;
using static TorchSharp.torch;

namespace Uip2p.Cec;

/// <summary>
/// Shifted views for the CLIP losses: E(I) := mean over views v of E(shift_v(I)), each view the image moved by a few
/// pixels (edges replicated). A small CLIP trusted on one exact view rewards pixel patterns that fool it (speckled
/// textures in the miniature world); a pattern has to survive every shift to pay. Input, edit and reconstruction are
/// seen through the same views, so ΔI compares like with like.
/// </summary>
public sealed class ClipViews
{
    readonly (int Dx, int Dy)[] shifts;
    readonly int pad;

    ClipViews((int, int)[] shifts, int pad) => (this.shifts, this.pad) = (shifts, pad);

    /// <summary>No views: E(I) of the image alone (the paper's).</summary>
    public static ClipViews Identity { get; } = new([(0, 0)], 0);

    /// <summary><paramref name="count"/> views shifted by up to ±<paramref name="maxShift"/> px, the first unshifted; drawn from <paramref name="generator"/>.</summary>
    public static ClipViews Draw(int count, int maxShift, Generator generator)
    {
        if (count <= 1 || maxShift == 0) return Identity;
        var d = randint(-maxShift, maxShift + 1, [count - 1, 2], dtype: ScalarType.Int64, generator: generator).data<long>().ToArray();
        return new([(0, 0), .. Enumerable.Range(0, count - 1).Select(i => ((int)d[2 * i], (int)d[2 * i + 1]))], maxShift);
    }

    public int Count => shifts.Length;

    /// <summary>The mean CLIP image embedding over the views, <c>[B, D]</c>; differentiable in <paramref name="images01"/>.</summary>
    public Tensor Embed(ClipModel clip, Tensor images01)
    {
        if (Count == 1) return clip.EncodeImage(images01);
        var padded = nn.functional.pad(images01, [pad, pad, pad, pad], PaddingModes.Replicate);
        var views = cat(shifts.Select(s => Crop(padded, pad, s.Dx, s.Dy, images01.shape[2], images01.shape[3])).ToArray(), 0);
        return clip.EncodeImage(views).reshape(Count, images01.shape[0], -1).mean([0]);
    }

    /// <summary><paramref name="images"/> <c>[B,C,H,W]</c> moved by (dx, dy) px with its edges replicated, |dx|, |dy| ≤ <paramref name="pad"/>.</summary>
    public static Tensor Shift(Tensor images, int dx, int dy, int pad)
    {
        if (dx == 0 && dy == 0) return images;
        return Crop(nn.functional.pad(images, [pad, pad, pad, pad], PaddingModes.Replicate), pad, dx, dy, images.shape[2], images.shape[3]);
    }

    static Tensor Crop(Tensor padded, int pad, int dx, int dy, long h, long w) =>
        padded[.., .., (pad + dy)..(int)(pad + dy + h), (pad + dx)..(int)(pad + dx + w)];
}
