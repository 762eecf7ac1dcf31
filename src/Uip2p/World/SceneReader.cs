using static TorchSharp.torch;

namespace Uip2p.World;

/// <summary>
/// Recovers a scene from its pixels alone, by analysis through the world's own renderer (<see cref="SceneTemplates"/>):
/// <list type="number">
/// <item>background: the rendered background (colour or black and white) with the smallest median pixel error — objects
/// cover at most ~30 % of the image, so the median sees the background only;</item>
/// <item>black and white: hardly any pixel has chroma (max − min channel);</item>
/// <item>objects, slot by slot: every shape at every size is laid over what lies under it, and the colour that best
/// explains the pixels is fitted in closed form and snapped to the nearest palette colour (its grey in black and
/// white); the best template wins if it explains at least 30 % of the window's difference from the background,
/// else the slot is empty. Later passes lay each slot over the others' objects, so neighbours that touch do not
/// disturb each other.</item>
/// </list>
/// On rendered scenes this is exact (the right hypothesis has zero error); on blurry model outputs it degrades to
/// "the nearest thing the world could have drawn here" rather than failing outright.
/// </summary>
public static class SceneReader
{
    /// <summary>A template must explain at least this share of its window's difference from the background.</summary>
    public const double MinExplained = 0.3;
    /// <summary>Chroma (max − min channel) above which a pixel counts as coloured.</summary>
    public const float ChromaThreshold = 0.15f;
    /// <summary>An image with fewer coloured pixels than this share reads as black and white.</summary>
    public const double ColouredShare = 1 / 400.0;

    const int Passes = 3;

    internal static readonly (string Name, float R, float G, float B)[] ColourPalette =
        WorldVocabulary.Colours.Select(c => (c.Name, c.R / 255f, c.G / 255f, c.B / 255f)).ToArray();

    // The renderer's luminance of each palette colour: what it becomes in black and white.
    internal static readonly (string Name, float R, float G, float B)[] GreyPalette =
        ColourPalette.Select(c => { float l = Luminance(c.R, c.G, c.B); return (c.Name, l, l, l); }).ToArray();

    /// <summary>The renderer's black-and-white conversion.</summary>
    public static float Luminance(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;

    /// <summary>Luminance of a palette colour, in [0, 1].</summary>
    public static float Luminance(string colour) => GreyPalette.First(c => c.Name == colour).R;

    /// <summary>Reads one image <c>[3,H,W]</c> or <c>[1,3,H,W]</c> in [0, 1] (square, as the world renders).</summary>
    public static Scene Read(Tensor image) => Analyse(image).Scene;

    /// <summary>Reads one image and keeps what is needed to ask how well other scenes would explain it.</summary>
    public static SceneReading Analyse(Tensor image)
    {
        if (image.dim() == 4 && image.shape[0] == 1) image = image[0];
        if (image.dim() != 3 || image.shape[0] != 3 || image.shape[1] != image.shape[2])
            throw new ArgumentException($"Expected a square RGB image [3,H,W], got [{string.Join(",", image.shape)}].");
        using var cpu = image.detach().to(ScalarType.Float32).cpu().contiguous();
        return Analyse(cpu.data<float>().ToArray(), (int)image.shape[1]);
    }

    /// <summary>Reads every image of a batch <c>[B,3,H,W]</c>.</summary>
    public static List<Scene> ReadAll(Tensor batch) => Enumerable.Range(0, (int)batch.shape[0]).Select(i => Read(batch[i])).ToList();

    /// <summary>Reads planar RGB (R plane, G plane, B plane) of a <paramref name="size"/>×<paramref name="size"/> image.</summary>
    public static Scene Read(float[] rgb, int size) => Analyse(rgb, size).Scene;

    /// <summary>Reads planar RGB and keeps what is needed to ask how well other scenes would explain it.</summary>
    public static SceneReading Analyse(float[] rgb, int size)
    {
        var templates = SceneTemplates.For(size);
        string background = ReadBackground(rgb, templates);
        bool grey = LooksGrey(rgb, size * size);
        var basisOfAll = templates.Background(background, grey);
        var palette = grey ? GreyPalette : ColourPalette;
        var read = new Fit?[9];
        for (int pass = 0; pass < Passes; pass++)
        {
            bool changed = false;
            for (int slot = 0; slot < 9; slot++)
            {
                if (pass > 0 && !HasNeighbour(read, slot)) continue; // nothing around it: the first fit stands
                var basis = pass == 0 ? basisOfAll : Composite(basisOfAll, read, slot, templates, palette);
                var (best, error, empty) = FitSlot(rgb, basis, slot, templates, palette);
                var fit = error < (1 - MinExplained) * empty ? best : null;
                changed |= fit != read[slot];
                read[slot] = fit;
            }
            if (pass > 0 && !changed) break;
        }
        var scene = new Scene(background, read.OfType<Fit>().Select(f => f.Object).ToList(), grey);
        return new SceneReading(scene, rgb, basisOfAll, read, templates, palette);
    }

    /// <summary>A slot's reading: the object and the template that drew it.</summary>
    internal sealed record Fit(SceneObject Object, SceneTemplates.Template Template);

    static string ReadBackground(float[] rgb, SceneTemplates templates)
    {
        int n = templates.Size * templates.Size;
        const int bins = 1024; // the median of the errors from a histogram: linear time, fine enough to rank backgrounds
        var histogram = new int[bins];
        string best = WorldVocabulary.Backgrounds[0];
        int bestMedian = int.MaxValue;
        foreach (string name in WorldVocabulary.Backgrounds)
            foreach (bool grey in new[] { false, true })
            {
                var bg = templates.Background(name, grey);
                Array.Clear(histogram);
                for (int i = 0; i < n; i++)
                {
                    float e = (MathF.Abs(rgb[i] - bg[i]) + MathF.Abs(rgb[n + i] - bg[n + i]) + MathF.Abs(rgb[2 * n + i] - bg[2 * n + i])) / 3;
                    histogram[Math.Min(bins - 1, (int)(e * bins))]++;
                }
                int median = 0;
                for (int seen = histogram[0]; seen <= n / 2; seen += histogram[++median]) { }
                if (median < bestMedian) (bestMedian, best) = (median, name);
            }
        return best;
    }

    static bool LooksGrey(float[] rgb, int n)
    {
        int coloured = 0;
        for (int i = 0; i < n; i++)
        {
            float r = rgb[i], g = rgb[n + i], b = rgb[2 * n + i];
            if (MathF.Max(r, MathF.Max(g, b)) - MathF.Min(r, MathF.Min(g, b)) > ChromaThreshold) coloured++;
        }
        return coloured < n * ColouredShare;
    }

    /// <summary>Whether a slot next to <paramref name="slot"/> (diagonals too) holds an object that may reach into its window.</summary>
    static bool HasNeighbour(Fit?[] read, int slot)
    {
        for (int other = 0; other < 9; other++)
            if (other != slot && read[other] != null && Math.Abs(other / 3 - slot / 3) <= 1 && Math.Abs(other % 3 - slot % 3) <= 1) return true;
        return false;
    }

    /// <summary>The background with the fitted objects (each in its own slot, drawn by its template) laid over it, but the one in <paramref name="except"/>.</summary>
    internal static float[] Composite(float[] background, IEnumerable<Fit?> fits, int except, SceneTemplates templates, (string Name, float R, float G, float B)[] palette)
    {
        var basis = (float[])background.Clone();
        int size = templates.Size, n = size * size;
        foreach (var f in fits)
        {
            if (f == null || f.Object.Slot == except) continue;
            var window = templates.Slots[f.Object.Slot];
            var c = palette.First(p => p.Name == f.Object.Colour);
            for (int j = 0; j < f.Template.Pixels.Length; j++)
            {
                int i = window.ImageIndex(f.Template.Pixels[j], size);
                float a = f.Template.Alpha[j];
                basis[i] = basis[i] * (1 - a) + c.R * a;
                basis[n + i] = basis[n + i] * (1 - a) + c.G * a;
                basis[2 * n + i] = basis[2 * n + i] * (1 - a) + c.B * a;
            }
        }
        return basis;
    }

    /// <summary>
    /// The best (shape, size, palette colour) for one slot among those allowed, its squared error and the error of
    /// the empty slot. With D = image − basis and the model
    /// basis + α(c − basis), the squared error is a quadratic in c whose coefficients are sums over the template.
    /// </summary>
    internal static (Fit? Best, double Error, double Empty) FitSlot(float[] rgb, float[] basis, int slot, SceneTemplates templates,
        (string Name, float R, float G, float B)[] palette, Func<SceneTemplates.Template, bool>? only = null, string? colour = null)
    {
        var window = templates.Slots[slot];
        int size = templates.Size, n = size * size, m = window.Width * window.Height;
        var d = new double[3, m];
        var b = new double[3, m];
        double empty = 0;
        for (int i = 0; i < m; i++)
        {
            int p = window.ImageIndex(i, size);
            for (int k = 0; k < 3; k++)
            {
                b[k, i] = basis[k * n + p];
                d[k, i] = rgb[k * n + p] - b[k, i];
                empty += d[k, i] * d[k, i];
            }
        }
        Fit? best = null;
        double bestError = double.PositiveInfinity;
        Span<double> ad = stackalloc double[3], abd = stackalloc double[3], aab = stackalloc double[3], aabb = stackalloc double[3];
        foreach (var t in window.Templates)
        {
            if (only != null && !only(t)) continue;
            double aa = 0;
            ad.Clear(); abd.Clear(); aab.Clear(); aabb.Clear();
            for (int j = 0; j < t.Pixels.Length; j++)
            {
                int i = t.Pixels[j];
                double a = t.Alpha[j], a2 = a * a;
                aa += a2;
                for (int k = 0; k < 3; k++)
                {
                    ad[k] += a * d[k, i];
                    abd[k] += a * b[k, i] * d[k, i];
                    aab[k] += a2 * b[k, i];
                    aabb[k] += a2 * b[k, i] * b[k, i];
                }
            }
            foreach (var c in palette)
            {
                if (colour != null && c.Name != colour) continue;
                // Σ (D − α(c − B))² = Σ D² − 2 Σ α(c − B)D + Σ α²(c − B)², channel by channel
                double error = empty;
                for (int k = 0; k < 3; k++)
                {
                    double ck = k == 0 ? c.R : k == 1 ? c.G : c.B;
                    error += -2 * (ck * ad[k] - abd[k]) + ck * ck * aa - 2 * ck * aab[k] + aabb[k];
                }
                if (error < bestError) (bestError, best) = (error, new Fit(new SceneObject(t.Shape, c.Name, t.Size, slot), t));
            }
        }
        return (best, bestError, empty);
    }
}
