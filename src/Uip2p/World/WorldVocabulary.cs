namespace Uip2p.World;

/// <summary>The closed set of things the shapes world draws and names.</summary>
public static class WorldVocabulary
{
    public static readonly string[] Shapes = ["circle", "square", "triangle", "star", "diamond"];

    /// <summary>Object colours with their RGB (0–255).</summary>
    public static readonly (string Name, byte R, byte G, byte B)[] Colours =
    [
        ("red", 220, 40, 40), ("orange", 245, 140, 25), ("yellow", 240, 220, 40), ("green", 45, 165, 60),
        ("blue", 40, 80, 225), ("purple", 140, 55, 190), ("pink", 245, 125, 185), ("brown", 125, 75, 35),
    ];

    /// <summary>Backgrounds: three plain colours and one texture (a grey/white checkerboard).</summary>
    public static readonly string[] Backgrounds = ["grey", "white", "black", "checkered"];

    /// <summary>Size names with radius as a fraction of the image side.</summary>
    public static readonly (string Name, float Radius)[] Sizes = [("small", 5f / 64), ("medium", 8f / 64), ("large", 11f / 64)];

    /// <summary>Names of the 3×3 slots, row by row.</summary>
    public static readonly string[] Slots =
    [
        "top left", "top middle", "top right",
        "middle left", "center", "middle right",
        "bottom left", "bottom middle", "bottom right",
    ];

    public static (byte R, byte G, byte B) Rgb(string colour)
    {
        foreach (var c in Colours) if (c.Name == colour) return (c.R, c.G, c.B);
        throw new ArgumentException($"'{colour}' is not a colour of the world.");
    }

    public static float Radius(string size)
    {
        foreach (var s in Sizes) if (s.Name == size) return s.Radius;
        throw new ArgumentException($"'{size}' is not a size of the world.");
    }

    public static int SizeIndex(string size) => Array.FindIndex(Sizes, s => s.Name == size);
}
