namespace Uip2p.World;

/// <summary>The five edit kinds of the paper's Table 4 shape (colour/size are both "attribute").</summary>
public enum EditKind { Colour, Size, Add, Remove, Move, Background, Grayscale }

/// <summary>
/// One edit: what it does to the scene and its instruction text. <see cref="ReverseInstruction"/> is the instruction that
/// undoes it on the edited scene, so every record carries a reverse instruction as UIP2P's data does.
/// </summary>
public sealed record WorldEdit(EditKind Kind, string Instruction, Scene Before, Scene After, string ReverseInstruction)
{
    /// <summary>Objects whose pixels the edit may change (for the edit-region mask).</summary>
    public bool IsGlobal => Kind is EditKind.Background or EditKind.Grayscale;
}

/// <summary>
/// Draws a random applicable edit for a scene and writes its instruction and reverse instruction in
/// varied phrasings. The phrasings are exactly the ones <see cref="InstructionInterpreter"/> understands,
/// so the world can apply any instruction it writes.
/// </summary>
public static class EditGenerator
{
    static readonly EditKind[] Kinds = [EditKind.Colour, EditKind.Size, EditKind.Add, EditKind.Remove, EditKind.Move, EditKind.Background, EditKind.Grayscale];

    /// <summary>A random edit of an allowed kind; null when none applies (e.g. remove from a one-object scene).</summary>
    public static WorldEdit? Random(Scene scene, Random random, IReadOnlyCollection<EditKind>? kinds = null)
    {
        var allowed = (kinds ?? Kinds).OrderBy(_ => random.Next()).ToList();
        foreach (var kind in allowed)
            if (TryMake(kind, scene, random) is { } edit) return edit;
        return null;
    }

    /// <summary>An edit of one kind, or null when it cannot apply to the scene.</summary>
    public static WorldEdit? TryMake(EditKind kind, Scene scene, Random random)
    {
        if (scene.Grayscale && kind != EditKind.Grayscale) return null; // keep colour words meaningful
        var objects = scene.Objects.OrderBy(_ => random.Next()).ToList();
        switch (kind)
        {
            case EditKind.Colour:
                foreach (var o in objects)
                {
                    var colours = WorldVocabulary.Colours.Select(c => c.Name).Where(c => c != o.Colour && scene.Find(c, o.Shape) == null).ToList();
                    if (colours.Count == 0) continue;
                    string to = colours[random.Next(colours.Count)];
                    var changed = o with { Colour = to };
                    return Make(kind, scene, scene.Replace(o, changed), ColourText(o, to, scene, random), ColourText(changed, o.Colour, scene.Replace(o, changed), random));
                }
                return null;
            case EditKind.Size:
                foreach (var o in objects)
                {
                    int i = WorldVocabulary.SizeIndex(o.Size);
                    var options = new List<int>();
                    if (i < 2) options.Add(i + 1);
                    if (i > 0) options.Add(i - 1);
                    int j = options[random.Next(options.Count)];
                    var changed = o with { Size = WorldVocabulary.Sizes[j].Name };
                    return Make(kind, scene, scene.Replace(o, changed), SizeText(o, j > i, random), SizeText(changed, j < i, random));
                }
                return null;
            case EditKind.Add:
            {
                if (scene.Objects.Count >= 3) return null;
                var free = Enumerable.Range(0, 9).Where(scene.SlotFree).ToList();
                for (int attempt = 0; attempt < 20; attempt++)
                {
                    string shape = WorldVocabulary.Shapes[random.Next(WorldVocabulary.Shapes.Length)];
                    string colour = WorldVocabulary.Colours[random.Next(WorldVocabulary.Colours.Length)].Name;
                    if (scene.Find(colour, shape) != null) continue;
                    var added = new SceneObject(shape, colour, WorldVocabulary.Sizes[random.Next(3)].Name, free[random.Next(free.Count)]);
                    return Make(kind, scene, scene.With(added), AddText(added, random), RemoveText(added, random));
                }
                return null;
            }
            case EditKind.Remove:
            {
                if (scene.Objects.Count < 2) return null;
                var o = objects[0];
                return Make(kind, scene, scene.Without(o), RemoveText(o, random), AddText(o, random));
            }
            case EditKind.Move:
                foreach (var o in objects)
                {
                    var moves = Directions.Where(d => Target(o, d) is int t && scene.SlotFree(t)).ToList();
                    if (moves.Count == 0) continue;
                    var d = moves[random.Next(moves.Count)];
                    var moved = o with { Slot = Target(o, d)!.Value };
                    return Make(kind, scene, scene.Replace(o, moved), MoveText(o, d.Name, random), MoveText(moved, Opposite(d.Name), random));
                }
                return null;
            case EditKind.Background:
            {
                var options = WorldVocabulary.Backgrounds.Where(b => b != scene.Background).ToList();
                string to = options[random.Next(options.Count)];
                return Make(kind, scene, scene with { Background = to }, BackgroundText(to, random), BackgroundText(scene.Background, random));
            }
            case EditKind.Grayscale:
                return scene.Grayscale
                    ? Make(kind, scene, scene with { Grayscale = false }, ColourfulText(random), GrayText(random))
                    : Make(kind, scene, scene with { Grayscale = true }, GrayText(random), ColourfulText(random));
        }
        return null;
    }

    static WorldEdit Make(EditKind kind, Scene before, Scene after, string instruction, string reverse) => new(kind, instruction, before, after, reverse);

    internal static readonly (string Name, int DRow, int DCol)[] Directions = [("left", 0, -1), ("right", 0, 1), ("up", -1, 0), ("down", 1, 0)];

    internal static int? Target(SceneObject o, (string Name, int DRow, int DCol) d)
    {
        int r = o.Row + d.DRow, c = o.Column + d.DCol;
        return r is >= 0 and < 3 && c is >= 0 and < 3 ? r * 3 + c : null;
    }

    static string Opposite(string direction) => direction switch { "left" => "right", "right" => "left", "up" => "down", _ => "up" };

    /// <summary>"the red circle", or "the circle" when it is the only circle.</summary>
    static string Ref(SceneObject o, Scene scene, Random random) =>
        scene.FindShape(o.Shape) != null && random.Next(3) == 0 ? $"the {o.Shape}" : $"the {o.Name}";

    static string ColourText(SceneObject o, string to, Scene scene, Random random) => random.Next(4) switch
    {
        0 => $"make {Ref(o, scene, random)} {to}",
        1 => $"turn {Ref(o, scene, random)} {to}",
        2 => $"change {Ref(o, scene, random)} to {to}",
        _ => $"paint {Ref(o, scene, random)} {to}",
    };

    static string SizeText(SceneObject o, bool bigger, Random random) => (bigger, random.Next(2)) switch
    {
        (true, 0) => $"make the {o.Name} bigger",
        (true, _) => $"enlarge the {o.Name}",
        (false, 0) => $"make the {o.Name} smaller",
        (false, _) => $"shrink the {o.Name}",
    };

    static string AddText(SceneObject o, Random random) => random.Next(2) switch
    {
        0 => $"add {Captioner.Article($"{o.Size} {o.Name}")} in the {WorldVocabulary.Slots[o.Slot]}",
        _ => $"put {Captioner.Article($"{o.Size} {o.Name}")} in the {WorldVocabulary.Slots[o.Slot]}",
    };

    static string RemoveText(SceneObject o, Random random) => random.Next(3) switch
    {
        0 => $"remove the {o.Name}",
        1 => $"delete the {o.Name}",
        _ => $"take away the {o.Name}",
    };

    static string MoveText(SceneObject o, string direction, Random random) => random.Next(2) switch
    {
        0 => $"move the {o.Name} {direction}",
        _ => $"shift the {o.Name} {direction}",
    };

    static string BackgroundText(string background, Random random) => random.Next(2) switch
    {
        0 => $"make the background {background}",
        _ => $"change the background to {background}",
    };

    static string GrayText(Random random) => random.Next(2) == 0 ? "make it black and white" : "remove the colours";
    static string ColourfulText(Random random) => random.Next(2) == 0 ? "bring back the colours" : "make it colourful again";
}
