using System.Text.RegularExpressions;

namespace Uip2p.World;

/// <summary>
/// Applies an instruction of the world's language to a scene — the world's own "editing model". It
/// understands exactly the phrasings <see cref="EditGenerator"/> writes, which is how the tests show
/// that every reverse instruction brings the edited scene back (the world's cycle consistency).
/// </summary>
public static partial class InstructionInterpreter
{
    static readonly string Colour = string.Join("|", WorldVocabulary.Colours.Select(c => c.Name));
    static readonly string Shape = string.Join("|", WorldVocabulary.Shapes);
    static readonly string Size = string.Join("|", WorldVocabulary.Sizes.Select(s => s.Name));
    static readonly string Slot = string.Join("|", WorldVocabulary.Slots);
    static readonly string Background = string.Join("|", WorldVocabulary.Backgrounds);

    /// <summary>The scene after the instruction; fails naming what does not fit (unknown phrasing, missing object, occupied slot).</summary>
    public static Scene Apply(Scene scene, string instruction)
    {
        string text = instruction.Trim().ToLowerInvariant();
        Match m;
        if (text is "make it black and white" or "remove the colours") return scene with { Grayscale = true };
        if (text is "bring back the colours" or "make it colourful again") return scene with { Grayscale = false };
        if ((m = Regex.Match(text, $"^(?:make the background|change the background to) ({Background})$")).Success)
            return scene with { Background = m.Groups[1].Value };
        if ((m = Regex.Match(text, $"^(?:make the (?:({Colour}) )?({Shape}) (bigger|smaller)|(enlarge|shrink) the (?:({Colour}) )?({Shape}))$")).Success)
        {
            bool bigger = m.Groups[3].Value == "bigger" || m.Groups[4].Value == "enlarge";
            var o = Find(scene, m.Groups[1].Success ? m.Groups[1].Value : m.Groups[5].Value, m.Groups[2].Success ? m.Groups[2].Value : m.Groups[6].Value, instruction);
            int i = WorldVocabulary.SizeIndex(o.Size) + (bigger ? 1 : -1);
            if (i is < 0 or > 2) throw new InvalidOperationException($"'{instruction}': the {o.Name} is already {o.Size}.");
            return scene.Replace(o, o with { Size = WorldVocabulary.Sizes[i].Name });
        }
        if ((m = Regex.Match(text, $"^(?:(?:make|turn|paint) the (?:({Colour}) )?({Shape}) ({Colour})|change the (?:({Colour}) )?({Shape}) to ({Colour}))$")).Success)
        {
            string colour = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[4].Value;
            string shape = m.Groups[2].Success ? m.Groups[2].Value : m.Groups[5].Value;
            string to = m.Groups[3].Success ? m.Groups[3].Value : m.Groups[6].Value;
            var o = Find(scene, colour, shape, instruction);
            if (scene.Find(to, shape) != null) throw new InvalidOperationException($"'{instruction}': there is already a {to} {shape}.");
            return scene.Replace(o, o with { Colour = to });
        }
        if ((m = Regex.Match(text, $"^(?:add|put) an? ({Size}) ({Colour}) ({Shape}) in the ({Slot})$")).Success)
        {
            int slot = Array.IndexOf(WorldVocabulary.Slots, m.Groups[4].Value);
            if (!scene.SlotFree(slot)) throw new InvalidOperationException($"'{instruction}': the {m.Groups[4].Value} is taken.");
            if (scene.Find(m.Groups[2].Value, m.Groups[3].Value) != null) throw new InvalidOperationException($"'{instruction}': there is already one.");
            return scene.With(new SceneObject(m.Groups[3].Value, m.Groups[2].Value, m.Groups[1].Value, slot));
        }
        if ((m = Regex.Match(text, $"^(?:remove|delete|take away) the (?:({Colour}) )?({Shape})$")).Success)
            return scene.Without(Find(scene, m.Groups[1].Value, m.Groups[2].Value, instruction));
        if ((m = Regex.Match(text, $"^(?:move|shift) the (?:({Colour}) )?({Shape}) (left|right|up|down)$")).Success)
        {
            var o = Find(scene, m.Groups[1].Value, m.Groups[2].Value, instruction);
            var d = EditGenerator.Directions.Single(x => x.Name == m.Groups[3].Value);
            int? target = EditGenerator.Target(o, d);
            if (target is not int t || !scene.SlotFree(t)) throw new InvalidOperationException($"'{instruction}': the {o.Name} cannot move {d.Name}.");
            return scene.Replace(o, o with { Slot = t });
        }
        throw new ArgumentException($"'{instruction}' is not an instruction of the shapes world.");
    }

    static SceneObject Find(Scene scene, string colour, string shape, string instruction) =>
        (colour.Length > 0 ? scene.Find(colour, shape) : scene.FindShape(shape))
        ?? throw new InvalidOperationException($"'{instruction}': there is no {(colour + " " + shape).Trim()} (or more than one) in the scene.");
}
