using static TorchSharp.torch;

namespace Uip2p.Imaging;

/// <summary>
/// Perceptually uniform colour maps for attention heat maps (dark = little attention, bright = much),
/// as piecewise-linear tables sampled from matplotlib's definitions at eleven evenly spaced points.
/// </summary>
public sealed class Colormap
{
    readonly float[,] _anchors; // [n, 3] in [0,1]

    Colormap(string name, params uint[] rgb)
    {
        Name = name;
        _anchors = new float[rgb.Length, 3];
        for (int i = 0; i < rgb.Length; i++)
        {
            _anchors[i, 0] = ((rgb[i] >> 16) & 0xFF) / 255f;
            _anchors[i, 1] = ((rgb[i] >> 8) & 0xFF) / 255f;
            _anchors[i, 2] = (rgb[i] & 0xFF) / 255f;
        }
    }

    public string Name { get; }

    /// <summary>matplotlib's inferno (black → purple → orange → pale yellow).</summary>
    public static Colormap Inferno { get; } = new("inferno",
        0x000004, 0x160B39, 0x420A68, 0x6A176E, 0x932667, 0xBC3754, 0xDD513A, 0xF37819, 0xFCA50A, 0xF6D746, 0xFCFFA4);

    /// <summary>matplotlib's viridis (purple → teal → yellow).</summary>
    public static Colormap Viridis { get; } = new("viridis",
        0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C, 0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725);

    /// <summary>Colours values in [0,1] (clamped): <c>[..., H, W]</c> → <c>[..., 3, H, W]</c>.</summary>
    public Tensor Apply(Tensor values)
    {
        using var scope = NewDisposeScope();
        int n = _anchors.GetLength(0);
        var table = tensor(_anchors).to(values.device);                       // [n, 3]
        var position = values.to(ScalarType.Float32).clamp(0, 1) * (n - 1);
        var lower = position.floor().clamp(0, n - 2);
        var fraction = (position - lower).unsqueeze(-1);                       // [..., H, W, 1]
        var index = lower.to(ScalarType.Int64);
        var a = table.index_select(0, index.flatten()).reshape([.. values.shape, 3]);
        var b = table.index_select(0, (index + 1).flatten()).reshape([.. values.shape, 3]);
        var rgb = a + (b - a) * fraction;                                      // [..., H, W, 3]
        return rgb.movedim([-1L], [-3L]).contiguous().MoveToOuterDisposeScope();
    }
}
