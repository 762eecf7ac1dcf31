using System.Globalization;

namespace Uip2p.Charts;

/// <summary>A figure's PNG and printed width; notebooks show it at that width (CSS inches), so its text reads at print size.</summary>
public sealed record FigurePreview(byte[] Png, double WidthInches)
{
    /// <summary>An &lt;img&gt; of the PNG at its printed width.</summary>
    public string ToHtml() =>
        $"<img style=\"width:{WidthInches.ToString("0.###", CultureInfo.InvariantCulture)}in\" src=\"data:image/png;base64,{Convert.ToBase64String(Png)}\" />";
}
