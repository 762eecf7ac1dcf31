using static TorchSharp.torch;

namespace Uip2p.World;

/// <summary>
/// Draws scenes with anti-aliasing: every pixel is the average of a 4×4 grid of sub-samples, each
/// coloured by the topmost object that covers it (objects are drawn in list order).
/// </summary>
public static class Renderer
{
    /// <summary>The scene as an RGB image <c>[3, size, size]</c> in [0, 1].</summary>
    public static Tensor Render(Scene scene, int size = 64, int supersample = 4)
    {
        var pixels = RenderRgb(scene, size, supersample);
        return tensor(pixels, [3, size, size]);
    }

    /// <summary>Planar float RGB (R plane, G plane, B plane) in [0, 1].</summary>
    public static float[] RenderRgb(Scene scene, int size = 64, int supersample = 4)
    {
        var result = new float[3 * size * size];
        float inv = 1f / (supersample * supersample);
        var placed = scene.Objects.Select(Place).ToArray();
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                float r = 0, g = 0, b = 0;
                for (int sy = 0; sy < supersample; sy++)
                    for (int sx = 0; sx < supersample; sx++)
                    {
                        float px = (x + (sx + 0.5f) / supersample) / size, py = (y + (sy + 0.5f) / supersample) / size;
                        var (cr, cg, cb) = ColourAt(placed, scene.Background, px, py);
                        r += cr; g += cg; b += cb;
                    }
                r *= inv; g *= inv; b *= inv;
                if (scene.Grayscale) r = g = b = 0.299f * r + 0.587f * g + 0.114f * b;
                int i = y * size + x;
                result[i] = r;
                result[size * size + i] = g;
                result[2 * size * size + i] = b;
            }
        return result;
    }

    /// <summary>
    /// The share of each pixel's sub-samples inside the object (row-major <c>size × size</c>), sampled exactly as
    /// <see cref="RenderRgb"/> samples, so an object drawn alone is <c>background·(1 − α) + colour·α</c>: the
    /// reader's templates (<see cref="SceneReader"/>).
    /// </summary>
    public static float[] Coverage(SceneObject o, int size = 64, int supersample = 4)
    {
        var alpha = new float[size * size];
        float radius = WorldVocabulary.Radius(o.Size), cx = (o.Column * 2 + 1) / 6f, cy = (o.Row * 2 + 1) / 6f;
        // every shape lies within 1.05 radii of its centre (the diamond's tips)
        int x0 = Math.Max(0, (int)((cx - 1.1f * radius) * size)), x1 = Math.Min(size, (int)((cx + 1.1f * radius) * size) + 2);
        int y0 = Math.Max(0, (int)((cy - 1.1f * radius) * size)), y1 = Math.Min(size, (int)((cy + 1.1f * radius) * size) + 2);
        float inv = 1f / (supersample * supersample);
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
            {
                int inside = 0;
                for (int sy = 0; sy < supersample; sy++)
                    for (int sx = 0; sx < supersample; sx++)
                    {
                        float px = (x + (sx + 0.5f) / supersample) / size, py = (y + (sy + 0.5f) / supersample) / size;
                        if (Inside(o.Shape, (px - cx) / radius, (py - cy) / radius)) inside++;
                    }
                alpha[y * size + x] = inside * inv;
            }
        return alpha;
    }

    /// <summary>An object with its centre, radius and colour worked out once per render.</summary>
    readonly record struct Placed(string Shape, float Cx, float Cy, float Radius, float R, float G, float B);

    static Placed Place(SceneObject o)
    {
        var (r, g, b) = WorldVocabulary.Rgb(o.Colour);
        return new(o.Shape, (o.Column * 2 + 1) / 6f, (o.Row * 2 + 1) / 6f, WorldVocabulary.Radius(o.Size), r / 255f, g / 255f, b / 255f);
    }

    /// <summary>The colour at a point in unit coordinates (0–1, y downwards).</summary>
    static (float, float, float) ColourAt(Placed[] objects, string background, float px, float py)
    {
        for (int i = objects.Length - 1; i >= 0; i--)
        {
            var o = objects[i];
            float u = (px - o.Cx) / o.Radius, v = (py - o.Cy) / o.Radius;
            // every shape lies within 1.05 radii of its centre: skip the exact test (and the star's trigonometry) outside
            if (MathF.Abs(u) <= 1.05f && MathF.Abs(v) <= 1.05f && Inside(o.Shape, u, v)) return (o.R, o.G, o.B);
        }
        return Background(background, px, py);
    }

    static (float, float, float) Background(string name, float px, float py) => name switch
    {
        "grey" => (0.5f, 0.5f, 0.5f),
        "white" => (0.93f, 0.93f, 0.93f),
        "black" => (0.08f, 0.08f, 0.1f),
        "checkered" => ((int)(px * 8) + (int)(py * 8)) % 2 == 0 ? (0.62f, 0.62f, 0.62f) : (0.85f, 0.85f, 0.85f),
        _ => throw new ArgumentException($"Unknown background '{name}'."),
    };

    /// <summary>Whether a point (in units of the object's radius, centred on it) is inside the shape.</summary>
    public static bool Inside(string shape, float u, float v) => shape switch
    {
        "circle" => u * u + v * v <= 1,
        "square" => MathF.Abs(u) <= 0.85f && MathF.Abs(v) <= 0.85f,
        "diamond" => MathF.Abs(u) + MathF.Abs(v) <= 1.05f,
        // apex (0, −1), base from (−0.95, 0.65) to (0.95, 0.65)
        "triangle" => v <= 0.65f && MathF.Abs(u) <= 0.95f * (v + 1f) / 1.65f,
        "star" => InsideStar(u, v),
        _ => throw new ArgumentException($"Unknown shape '{shape}'."),
    };

    // A five-pointed star: radius alternates between 1 (points) and 0.45 (notches) every 36°.
    static bool InsideStar(float u, float v)
    {
        float r = MathF.Sqrt(u * u + v * v);
        if (r > 1) return false;
        float angle = MathF.Atan2(u, -v); // 0 at the top point
        float sector = MathF.PI / 5;
        float a = MathF.Abs((angle % (2 * sector) + 2 * sector) % (2 * sector) - sector) / sector; // 1 at a point, 0 at a notch
        float edge = 0.45f + (1 - 0.45f) * a;
        // straight edges between point and notch: interpolate in the chord, not the arc
        return r <= edge * (1 - 0.25f * a * (1 - a));
    }
}
