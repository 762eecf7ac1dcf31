namespace Uip2p.World;

/// <summary>One drawn object: a shape of a colour and size in one of the 3×3 slots.</summary>
public sealed record SceneObject(string Shape, string Colour, string Size, int Slot)
{
    public int Row => Slot / 3;
    public int Column => Slot % 3;
    /// <summary>"red circle", the name captions and instructions use.</summary>
    public string Name => $"{Colour} {Shape}";
}

/// <summary>
/// A scene of the shapes world: a background, 1–3 objects (each colour+shape pair at most once, so
/// "the red circle" is unambiguous) and whether it is shown in black and white.
/// </summary>
public sealed record Scene(string Background, IReadOnlyList<SceneObject> Objects, bool Grayscale = false)
{
    /// <summary>Value equality (records compare lists by reference).</summary>
    public bool SameAs(Scene other) =>
        Background == other.Background && Grayscale == other.Grayscale && Objects.Count == other.Objects.Count &&
        Objects.OrderBy(o => o.Slot).SequenceEqual(other.Objects.OrderBy(o => o.Slot));

    public SceneObject? Find(string colour, string shape) => Objects.FirstOrDefault(o => o.Colour == colour && o.Shape == shape);
    public SceneObject? FindShape(string shape) => Objects.Count(o => o.Shape == shape) == 1 ? Objects.First(o => o.Shape == shape) : null;
    public bool SlotFree(int slot) => Objects.All(o => o.Slot != slot);

    public Scene Replace(SceneObject old, SceneObject replacement) => this with { Objects = Objects.Select(o => o == old ? replacement : o).ToList() };
    public Scene Without(SceneObject old) => this with { Objects = Objects.Where(o => o != old).ToList() };
    public Scene With(SceneObject added) => this with { Objects = [.. Objects, added] };

    public override string ToString() =>
        $"{Background}{(Grayscale ? " (grayscale)" : "")}: " + string.Join(", ", Objects.Select(o => $"{o.Size} {o.Name} @{WorldVocabulary.Slots[o.Slot]}"));

    /// <summary>A random scene: 1–3 objects with distinct slots and distinct colour+shape pairs.</summary>
    public static Scene Random(Random random, int? objectCount = null)
    {
        int n = objectCount ?? random.Next(1, 4);
        var objects = new List<SceneObject>();
        var slots = Enumerable.Range(0, 9).OrderBy(_ => random.Next()).ToList();
        while (objects.Count < n)
        {
            string shape = WorldVocabulary.Shapes[random.Next(WorldVocabulary.Shapes.Length)];
            string colour = WorldVocabulary.Colours[random.Next(WorldVocabulary.Colours.Length)].Name;
            if (objects.Any(o => o.Shape == shape && o.Colour == colour)) continue;
            objects.Add(new SceneObject(shape, colour, WorldVocabulary.Sizes[random.Next(3)].Name, slots[objects.Count]));
        }
        return new Scene(WorldVocabulary.Backgrounds[random.Next(WorldVocabulary.Backgrounds.Length)], objects);
    }
}
