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

    /// <summary>The bold face of <see cref="Typeface"/> (from <see cref="BoldFilePath"/>; the regular face without one).</summary>
    public static SKTypeface BoldTypeface => Bold.Value;

    static readonly Lazy<SKTypeface> Bold = new(() =>
        BoldFilePath is { } path && SKTypeface.FromFile(path) is { } bold ? bold : Typeface);

    /// <summary>The font file (or "system default") the typeface came from.</summary>
    public static string Source => Loaded.Value.Source;

    /// <summary>The font file path, when one was found (ScottPlot registers it by path).</summary>
    public static string? FilePath => Loaded.Value.Source.StartsWith('/') || Loaded.Value.Source.Contains(":/") ? Loaded.Value.Source : null;

    /// <summary>
    /// The bold face of the same family next to <see cref="FilePath"/> (DejaVuSans-Bold.ttf, arialbd.ttf, …), or null.
    /// Chart titles and axis labels are bold; without a registered bold file ScottPlot falls back to whatever
    /// family Skia's font manager offers (DejaVu Serif on Debian), so figures mixed two families.
    /// </summary>
    public static string? BoldFilePath => BoldPath.Value;

    static readonly Lazy<string?> BoldPath = new(() =>
    {
        if (FilePath is not { } regular) return null;
        string dir = Path.GetDirectoryName(regular) ?? ".", stem = Path.GetFileNameWithoutExtension(regular), ext = Path.GetExtension(regular);
        return new[] { $"{stem}-Bold{ext}", $"{stem}bd{ext}", $"{stem} Bold{ext}" }
            .Select(name => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
    });

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
