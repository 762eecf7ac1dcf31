using System.Collections.Concurrent;

namespace Uip2p.World;

/// <summary>
/// What the <see cref="SceneReader"/> compares an image with, rendered once per image size by the world's own
/// renderer: every background (in colour and in black and white) and the anti-aliased mask of every shape at
/// every size in every slot, cut to the slot's window (the box any of them touches). Blurred templates were tried for
/// decoder outputs and read sizes worse (a blurred larger shape fits a soft blob best), so the templates are sharp.
/// </summary>
sealed class SceneTemplates
{
    /// <summary>One shape at one size in one slot: its mask's non-zero pixels as window indices and values.</summary>
    public sealed record Template(string Shape, string Size, int[] Pixels, float[] Alpha);

    /// <summary>A slot's window (pixel box) and the templates that live in it.</summary>
    public sealed record SlotWindow(int X0, int Y0, int Width, int Height, IReadOnlyList<Template> Templates)
    {
        /// <summary>The image index (row-major) of window pixel <paramref name="i"/>.</summary>
        public int ImageIndex(int i, int size) => (Y0 + i / Width) * size + X0 + i % Width;
        public int Pixels => Width * Height;
    }

    static readonly ConcurrentDictionary<int, SceneTemplates> Cache = new();

    public static SceneTemplates For(int size) => Cache.GetOrAdd(size, s => new SceneTemplates(s));

    public int Size { get; }
    public IReadOnlyList<SlotWindow> Slots { get; }
    readonly Dictionary<(string, bool), float[]> _backgrounds = [];

    SceneTemplates(int size)
    {
        Size = size;
        foreach (string b in WorldVocabulary.Backgrounds)
            foreach (bool grey in new[] { false, true })
                _backgrounds[(b, grey)] = Renderer.RenderRgb(new Scene(b, [], grey), size);
        var slots = new List<SlotWindow>();
        for (int slot = 0; slot < 9; slot++)
        {
            var masks = (from shape in WorldVocabulary.Shapes
                         from s in WorldVocabulary.Sizes
                         select (shape, s.Name, alpha: Renderer.Coverage(new SceneObject(shape, "red", s.Name, slot), size))).ToList();
            int x0 = size, y0 = size, x1 = 0, y1 = 0;
            foreach (var m in masks)
                for (int i = 0; i < m.alpha.Length; i++)
                    if (m.alpha[i] > 0)
                    {
                        x0 = Math.Min(x0, i % size); x1 = Math.Max(x1, i % size + 1);
                        y0 = Math.Min(y0, i / size); y1 = Math.Max(y1, i / size + 1);
                    }
            int w = x1 - x0, h = y1 - y0;
            var templates = masks.Select(m =>
            {
                var pixels = Enumerable.Range(0, w * h).Where(i => m.alpha[(y0 + i / w) * size + x0 + i % w] > 0).ToArray();
                return new Template(m.shape, m.Name, pixels, pixels.Select(i => m.alpha[(y0 + i / w) * size + x0 + i % w]).ToArray());
            }).ToList();
            slots.Add(new SlotWindow(x0, y0, w, h, templates));
        }
        Slots = slots;
    }

    /// <summary>The background alone, planar RGB (shared: do not modify).</summary>
    public float[] Background(string name, bool grayscale) => _backgrounds[(name, grayscale)];
}
