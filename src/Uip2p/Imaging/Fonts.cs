using SkiaSharp;

namespace Uip2p.Imaging;

/// <summary>
/// The one font used for figure text (grid captions, chart labels). Skia's Linux build without
/// fontconfig finds no system font on its own, so the file is located explicitly: the environment
/// variable <c>UIP2P_FONT</c>, else DejaVu Sans (Debian package fonts-dejavu-core, installed by setup).
/// </summary>
public static class Fonts
{
    static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/Library/Fonts/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "C:/Windows/Fonts/arial.ttf",
    ];

    static readonly Lazy<(SKTypeface Typeface, string Source)> Loaded = new(Load);

    /// <summary>The typeface for figure text.</summary>
    public static SKTypeface Typeface => Loaded.Value.Typeface;

    /// <summary>The font file (or "system default") the typeface came from.</summary>
    public static string Source => Loaded.Value.Source;

    /// <summary>The font file path, when one was found (ScottPlot registers it by path).</summary>
    public static string? FilePath => Loaded.Value.Source.StartsWith('/') || Loaded.Value.Source.Contains(":/") ? Loaded.Value.Source : null;

    static (SKTypeface, string) Load()
    {
        string? env = Environment.GetEnvironmentVariable("UIP2P_FONT");
        if (!string.IsNullOrEmpty(env))
        {
            var t = File.Exists(env) ? SKTypeface.FromFile(env) : null;
            return t != null ? (t, env) : throw new FileNotFoundException($"UIP2P_FONT={env}: not a readable font file.", env);
        }
        foreach (string path in Candidates)
            if (File.Exists(path) && SKTypeface.FromFile(path) is { } typeface)
                return (typeface, path);
        var fallback = SKTypeface.Default;
        if (fallback.GetGlyph('A') != 0) return (fallback, "system default");
        throw new FileNotFoundException(
            "No font for figure text: install Debian's fonts-dejavu-core (the setup script does) or set UIP2P_FONT to a .ttf file.");
    }
}
