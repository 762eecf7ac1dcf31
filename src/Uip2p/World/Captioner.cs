namespace Uip2p.World;

/// <summary>
/// Captions from varied templates ("a red circle above a small blue square on a grey background").
/// Every object is mentioned with its colour and shape, the background is always named, and black-and-white
/// scenes say so.
/// </summary>
public static class Captioner
{
    public static string Caption(Scene scene, Random random)
    {
        var objs = scene.Objects.OrderBy(_ => random.Next()).ToList();
        string Describe(SceneObject o) => (o.Size != "medium" && random.Next(3) > 0 ? o.Size + " " : random.Next(4) == 0 ? o.Size + " " : "") + o.Name;
        string A(SceneObject o) => Article(Describe(o));
        string body = objs.Count switch
        {
            1 => random.Next(3) switch
            {
                0 => A(objs[0]),
                1 => $"{A(objs[0])} in the {WorldVocabulary.Slots[objs[0].Slot]}",
                _ => $"{A(objs[0])} alone",
            },
            2 => $"{A(objs[0])} {Relation(objs[0], objs[1])} {A(objs[1])}",
            _ => random.Next(2) == 0
                ? $"{A(objs[0])} and {A(objs[1])} and {A(objs[2])}"
                : $"{A(objs[0])} {Relation(objs[0], objs[1])} {A(objs[1])} and {A(objs[2])}",
        };
        string background = scene.Background == "checkered" ? "a checkered background" : $"a {scene.Background} background";
        string caption = random.Next(3) switch
        {
            0 => $"{body} on {background}",
            1 => $"{background} with {body}",
            _ => $"a picture of {body} on {background}",
        };
        return scene.Grayscale ? caption + " in black and white" : caption;
    }

    /// <summary>"a" or "an" before a phrase.</summary>
    public static string Article(string phrase) => ("aeiou".Contains(phrase[0]) ? "an " : "a ") + phrase;

    /// <summary>The spatial relation of <paramref name="a"/> to <paramref name="b"/>: above, below, left of, right of, or next to.</summary>
    public static string Relation(SceneObject a, SceneObject b) =>
        a.Column == b.Column ? (a.Row < b.Row ? "above" : "below")
        : a.Row == b.Row ? (a.Column < b.Column ? "left of" : "right of")
        : "and";
}
