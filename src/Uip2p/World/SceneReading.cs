namespace Uip2p.World;

/// <summary>
/// A scene read from an image (<see cref="SceneReader"/>), with the image kept so that other hypotheses can be weighed
/// against the reading: how well would "a circle here instead of the star" explain the pixels? The judge uses this to
/// give the benefit of the doubt where the image cannot tell two answers apart.
/// </summary>
public sealed class SceneReading
{
    readonly float[] _rgb, _background;
    readonly SceneReader.Fit?[] _slots;
    readonly SceneTemplates _templates;
    readonly (string Name, float R, float G, float B)[] _palette;

    internal SceneReading(Scene scene, float[] rgb, float[] background, SceneReader.Fit?[] slots, SceneTemplates templates,
        (string Name, float R, float G, float B)[] palette)
    {
        Scene = scene;
        (_rgb, _background, _slots, _templates, _palette) = (rgb, background, slots, templates, palette);
    }

    public Scene Scene { get; }

    /// <summary>
    /// The squared pixel error over <paramref name="slot"/>'s window if it held <paramref name="hypothesis"/> (null: nothing), with every other read object in place. Colours are the palette's (their greys when the image
    /// reads black and white).
    /// </summary>
    public double Error(int slot, SceneObject? hypothesis)
    {
        if (hypothesis != null && hypothesis.Slot != slot) throw new ArgumentException($"The hypothesis is in slot {hypothesis.Slot}, not {slot}.");
        var basis = SceneReader.Composite(_background, _slots, slot, _templates, _palette);
        var (_, error, empty) = SceneReader.FitSlot(_rgb, basis, slot, _templates, _palette,
            t => t.Shape == hypothesis?.Shape && t.Size == hypothesis.Size, hypothesis?.Colour);
        return hypothesis == null ? empty : error;
    }
}
