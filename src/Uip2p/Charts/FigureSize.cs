using System.Globalization;

namespace Uip2p.Charts;

/// <summary>
/// The printed size of a figure: a width in inches (a paper's column or text width), an optional height,
/// and the dpi of its PNG. Without a height, charts take the golden ratio and grids or bitmaps their own
/// aspect. Chart units are CSS pixels (96 per inch), so ScottPlot's 12-px tick labels print at 9 pt and
/// its 16-px titles at 12 pt, at any width.
/// </summary>
public sealed record FigureSize
{
    /// <summary>Width over height of a chart without a height: the golden ratio.</summary>
    public const double DefaultChartAspect = 1.618;

    /// <summary>Chart layout units per inch (CSS pixels, as in ScottPlot's and SVG's "px").</summary>
    public const double ChartUnitsPerInch = 96;

    /// <summary>The largest side of a PNG, in pixels (a typo like dpi 30000 should fail, not fill memory).</summary>
    public const int MaxPixels = 20_000;

    readonly double _width, _dpi;
    readonly double? _height;

    /// <summary>A size of <paramref name="widthInches"/> × <paramref name="heightInches"/> (null: from the content) at <paramref name="dpi"/>.</summary>
    public FigureSize(double widthInches, double? heightInches = null, double dpi = 300)
    {
        WidthInches = widthInches;
        HeightInches = heightInches;
        Dpi = dpi;
    }

    /// <summary>One column of a two-column paper (ACL, IEEE, CVPR: 3.25–3.35 in).</summary>
    public static FigureSize OneColumn => new(3.25);

    /// <summary>The full text width of a two-column paper (CVPR, NeurIPS-style: 6.75–6.875 in).</summary>
    public static FigureSize TwoColumn => new(6.75);

    public double WidthInches { get => _width; init => _width = Positive(value, "width", "inches"); }

    public double? HeightInches { get => _height; init => _height = value is { } h ? Positive(h, "height", "inches") : null; }

    /// <summary>PNG pixels per inch (also the raster resolution Skia uses in the PDF).</summary>
    public double Dpi { get => _dpi; init => _dpi = Positive(value, "dpi", "dots per inch"); }

    /// <summary>The same width with a height of <paramref name="inches"/>.</summary>
    public FigureSize WithHeight(double inches) => this with { HeightInches = inches };

    /// <summary>The same width with height = width / <paramref name="widthOverHeight"/>.</summary>
    public FigureSize WithAspect(double widthOverHeight) =>
        this with { HeightInches = WidthInches / Positive(widthOverHeight, "aspect (width / height)", "") };

    /// <summary>The same size at another dpi.</summary>
    public FigureSize WithDpi(double dpi) => this with { Dpi = dpi };

    /// <summary>The height for content of aspect <paramref name="contentAspect"/> (width / height) when none was given.</summary>
    internal double HeightFor(double contentAspect) => HeightInches ?? WidthInches / contentAspect;

    /// <summary>PNG pixels for a length in inches, refusing absurd sizes before anything is allocated.</summary>
    internal int Pixels(double inches)
    {
        double px = Math.Round(inches * Dpi);
        if (px < 1 || px > MaxPixels)
            throw new ArgumentOutOfRangeException(nameof(Dpi),
                $"{F(inches)} in at {F(Dpi)} dpi is {F(px)} px; a figure side must be 1 to {MaxPixels} px.");
        return (int)px;
    }

    public override string ToString() =>
        $"{F(WidthInches)} × {(HeightInches is { } h ? F(h) : "auto")} in at {F(Dpi)} dpi";

    static double Positive(double value, string what, string unit) =>
        double.IsFinite(value) && value > 0 ? value
            : throw new ArgumentOutOfRangeException(what, value, $"Figure {what} must be a positive number{(unit.Length > 0 ? " of " + unit : "")}; got {F(value)}.");

    static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
