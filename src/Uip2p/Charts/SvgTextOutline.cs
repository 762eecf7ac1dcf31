using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SkiaSharp;
using Uip2p.Imaging;

namespace Uip2p.Charts;

/// <summary>
/// Turns the <c>&lt;text&gt;</c> elements of a Skia SVG into <c>&lt;path&gt;</c>s of their glyph outlines, so the
/// file renders the same without the font. Skia has a flag for this (<c>kConvertTextToPaths</c>), but
/// SkiaSharp 3.119's native <c>sk_svgcanvas_create_with_stream</c> passes 0 for it, so it is done here: Skia
/// writes each glyph's position (one <c>x</c> per character, one <c>y</c> or one per character), the font's
/// family, size, weight and style, and a transform, which is everything needed to place the outlines.
/// </summary>
static partial class SvgTextOutline
{
    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    static readonly HashSet<string> TextOnly = ["x", "y", "dx", "dy", "font-size", "font-family", "font-weight", "font-style", "text-anchor"];

    /// <summary>Replaces every text element of <paramref name="svg"/> by a path; returns how many were replaced.</summary>
    public static int Outline(XDocument svg)
    {
        var texts = svg.Descendants(Svg + "text").ToList();
        var typefaces = new Dictionary<(string, int, SKFontStyleSlant), SKTypeface>();
        foreach (var text in texts) text.ReplaceWith(ToPath(text, typefaces));
        return texts.Count;
    }

    static XElement ToPath(XElement text, Dictionary<(string, int, SKFontStyleSlant), SKTypeface> typefaces)
    {
        string content = SkiaIndent().Replace(text.Value, "");
        var xs = Numbers(text.Attribute("x")?.Value);
        var ys = Numbers(text.Attribute("y")?.Value);
        var runes = content.EnumerateRunes().ToList();
        if (runes.Count != xs.Count && content.Trim().EnumerateRunes().Count() == xs.Count) runes = content.Trim().EnumerateRunes().ToList();

        float size = (float)(Numbers(text.Attribute("font-size")?.Value).FirstOrDefault(12));
        string family = (text.Attribute("font-family")?.Value ?? "").Split(',')[0].Trim().Trim('\'', '"');
        int weight = Weight(text.Attribute("font-weight")?.Value);
        var slant = text.Attribute("font-style")?.Value switch { "italic" => SKFontStyleSlant.Italic, "oblique" => SKFontStyleSlant.Oblique, _ => SKFontStyleSlant.Upright };
        if (!typefaces.TryGetValue((family, weight, slant), out var typeface))
            typefaces[(family, weight, slant)] = typeface = Resolve(family, weight, slant);

        using var font = new SKFont(typeface, size) { Subpixel = true, LinearMetrics = true };
        using var outline = new SKPath();
        float x = xs.Count > 0 ? (float)xs[0] : 0, y = ys.Count > 0 ? (float)ys[0] : 0;
        for (int i = 0; i < runes.Count; i++)
        {
            ushort glyph = font.GetGlyph(runes[i].Value);
            // Positions Skia wrote win; past them (never seen in practice) glyphs follow their advances.
            if (i < xs.Count) x = (float)xs[i];
            if (i < ys.Count) y = (float)ys[i];
            using (var glyphPath = font.GetGlyphPath(glyph))
                if (glyphPath is { IsEmpty: false }) outline.AddPath(glyphPath, x, y);
            x += font.GetGlyphWidths([glyph])[0];
        }

        var path = new XElement(Svg + "path", text.Attributes().Where(a => !a.IsNamespaceDeclaration && !TextOnly.Contains(a.Name.LocalName) && a.Name.Namespace != XNamespace.Xml));
        path.SetAttributeValue("d", outline.IsEmpty ? "M0 0" : outline.ToSvgPathData());
        return path;
    }

    /// <summary>The typeface Skia named: the workbench font (regular or bold) when it is that family, else the font manager's match.</summary>
    static SKTypeface Resolve(string family, int weight, SKFontStyleSlant slant)
    {
        var workbench = Fonts.Typeface;
        if (string.Equals(family, workbench.FamilyName, StringComparison.OrdinalIgnoreCase) && slant == SKFontStyleSlant.Upright)
            return weight >= 600 ? Fonts.BoldTypeface : workbench;
        return SKFontManager.Default.MatchFamily(family, new SKFontStyle(weight, (int)SKFontStyleWidth.Normal, slant)) ?? workbench;
    }

    static int Weight(string? value) => value switch
    {
        null or "" or "normal" => 400,
        "bold" => 700,
        _ => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int w) ? w : 400,
    };

    static List<double> Numbers(string? list) =>
        list == null ? [] : list.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(s => double.Parse(s.TrimEnd('p', 'x'), NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();

    /// <summary>The newline and tabs Skia's pretty XML writer puts around a text element's content.</summary>
    [GeneratedRegex(@"^\n\t*|\n\t*$")]
    private static partial Regex SkiaIndent();
}
