using static TorchSharp.torch;

namespace Uip2p.World;

/// <summary>
/// Whether an edited image did what was asked (<see cref="EditHappened"/>) and left everything else as it was
/// (<see cref="RestKept"/>: the untouched objects, the background, colour or black and white), with the failures named.
/// <see cref="Doubts"/> counts facts read otherwise but accepted because the image could not tell them apart (<see cref="JudgeTolerance"/>).
/// </summary>
public sealed record EditVerdict(EditKind Kind, bool EditHappened, bool RestKept, string Reason, Scene Read, int Doubts = 0)
{
    public bool Success => EditHappened && RestKept;

    /// <summary>A figure caption: "✓ done, rest kept" or "✗ …" with the first failure.</summary>
    public string Caption => (Success ? "✓ " : "✗ ") + Reason;

    /// <summary>A caption for dense grids: the verdict without its reasons ("✓ done, rest kept", "✗ not done", "✗ rest changed").</summary>
    public string ShortCaption => Success ? "✓ done, rest kept"
        : !EditHappened && !RestKept ? "✗ not done, rest changed"
        : !EditHappened ? "✗ not done" : "✗ done, rest changed";
}

/// <summary>
/// How much benefit of the doubt the judge gives where the image cannot tell two answers apart: an expected value is
/// accepted when it explains its slot's pixels at most (1 + doubt) times worse than what was read. On rendered
/// scenes the read answer explains the pixels exactly, so any doubt is moot there; on a decoder's soft output a
/// diamond and a circle may explain a blob almost equally. Asked-for changes other than shape get none: the edit must be seen.
/// </summary>
/// <param name="Shape">For every shape fact (the world VAE's 8×8 latents turn stars, triangles and diamonds into round blobs, DESIGN §8).</param>
/// <param name="Rest">For the colour, size and presence of objects that should have stayed.</param>
public sealed record JudgeTolerance(double Shape = 1.0, double Rest = 0.5)
{
    /// <summary>No benefit of the doubt: every fact as read.</summary>
    public static JudgeTolerance Strict { get; } = new(0, 0);
}

/// <summary>
/// Judges an edit of the shapes world from the output image alone: the <see cref="SceneReader"/> recovers the
/// scene, which is compared fact by fact with the edit's ground-truth scene. A fact is the background, black and
/// white or not, and per slot: empty or which shape, its colour, its size. Facts the edit changes (before ≠ after)
/// must come out as asked; all others must stay. So identity (output = input) fails <see cref="EditVerdict.EditHappened"/>
/// and keeps the rest, by construction, for every kind.
/// </summary>
public static class EditJudge
{
    /// <summary>
    /// Colours whose greys differ by less than this look the same in black and white (blue, brown, red and purple lie
    /// within 0.045 of each other; orange and pink within 0.04), so black-and-white scenes compare colours by luminance.
    /// </summary>
    public const float GreyTolerance = 0.05f;

    /// <summary>Reads <paramref name="output"/> (<c>[3,H,W]</c> in [0, 1]) and judges it against <paramref name="edit"/>.</summary>
    public static EditVerdict Judge(WorldEdit edit, Tensor output, JudgeTolerance? tolerance = null) =>
        Judge(edit, SceneReader.Analyse(output), tolerance);

    /// <summary>Judges a reading of an edited image against <paramref name="edit"/>.</summary>
    public static EditVerdict Judge(WorldEdit edit, SceneReading reading, JudgeTolerance? tolerance = null)
    {
        tolerance ??= new JudgeTolerance();
        var (before, after, read) = (edit.Before, edit.After, reading.Scene);
        var missed = new List<string>();   // asked-for changes that did not happen
        var broken = new List<string>();   // things that should have stayed and did not
        int doubts = 0;
        void Check(bool asked, bool ok, Func<string> what)
        {
            if (!ok) (asked ? missed : broken).Add(what());
        }
        // A fact read wrong is accepted when the expected answer explains the slot nearly as well as the reading.
        bool Doubtful(int slot, SceneObject? read, SceneObject? expected, double doubt)
        {
            if (doubt <= 0) return false;
            double e = reading.Error(slot, read), alternative = reading.Error(slot, expected);
            bool close = alternative <= (1 + doubt) * e;
            if (close) doubts++;
            return close;
        }

        Check(before.Background != after.Background, read.Background == after.Background,
            () => $"background {read.Background}, not {after.Background}");
        Check(before.Grayscale != after.Grayscale, read.Grayscale == after.Grayscale,
            () => read.Grayscale ? "black and white, not in colour" : "in colour, not black and white");
        bool coloursAsked = before.Grayscale && !after.Grayscale; // "bring back the colours" asks for every colour
        for (int slot = 0; slot < 9; slot++)
        {
            SceneObject? b = At(before, slot), a = At(after, slot), r = At(read, slot);
            string where = WorldVocabulary.Slots[slot];
            if (a == null)
            {
                if (r == null) continue;
                if (b != null) Check(true, false, () => $"the {b.Name} still at {where}");
                else Check(false, Doubtful(slot, r, null, tolerance.Rest), () => $"a {r.Name} appeared at {where}");
                continue;
            }
            if (r == null && b != null && Doubtful(slot, null, b, tolerance.Rest)) r = b; // faint, but there: judge it as it was
            if (r == null)
            {
                if (b == null) missed.Add($"no {a.Size} {a.Name} at {where}");
                else
                {
                    broken.Add($"the {b.Name} at {where} is gone");
                    if (b != a) missed.Add($"no {a.Size} {a.Name} at {where}");
                }
                continue;
            }
            var seen = r;
            // A moved object must arrive as itself (shape, colour); keeping its size is part of the rest.
            bool arrived = b == null, moved = arrived && edit.Kind == EditKind.Move;
            bool shapeAsked = arrived || b!.Shape != a.Shape;
            bool colourAsked = arrived || b!.Colour != a.Colour || coloursAsked;
            bool sizeAsked = (arrived && !moved) || (b != null && b.Size != a.Size);
            Check(shapeAsked, seen.Shape == a.Shape || Doubtful(slot, seen, seen with { Shape = a.Shape }, tolerance.Shape),
                () => $"a {seen.Shape} at {where}, not a {a.Shape}");
            Check(colourAsked, SameColour(seen.Colour, a.Colour, after.Grayscale) || (!colourAsked && Doubtful(slot, seen, seen with { Colour = a.Colour }, tolerance.Rest)),
                () => $"the {where} {a.Shape} is {seen.Colour}, not {a.Colour}");
            Check(sizeAsked, seen.Size == a.Size || (!sizeAsked && Doubtful(slot, seen, seen with { Size = a.Size }, tolerance.Rest)),
                () => $"the {where} {a.Shape} is {seen.Size}, not {a.Size}");
        }
        bool happened = missed.Count == 0, kept = broken.Count == 0;
        string reason = happened && kept ? "done, rest kept"
            : string.Join("; ", (happened ? [] : new[] { "not done: " + string.Join(", ", missed) })
                .Concat(kept ? [] : ["changed: " + string.Join(", ", broken)]));
        return new EditVerdict(edit.Kind, happened, kept, reason, read, doubts);
    }

    static SceneObject? At(Scene scene, int slot) => scene.Objects.LastOrDefault(o => o.Slot == slot);

    static bool SameColour(string read, string truth, bool blackAndWhite) =>
        read == truth || (blackAndWhite && MathF.Abs(SceneReader.Luminance(read) - SceneReader.Luminance(truth)) < GreyTolerance);
}
