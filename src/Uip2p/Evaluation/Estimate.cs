using System.Globalization;

namespace Uip2p.Evaluation;

/// <summary>A mean over edits with its standard error (sample standard deviation / √n), so that small held-out sets say how sure they are.</summary>
public readonly record struct Estimate(double Mean, double StandardError, int Count)
{
    /// <summary>The estimate of the finite values (NaN when there are none; standard error NaN below two).</summary>
    public static Estimate Of(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToList();
        if (v.Count == 0) return new(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double se = v.Count < 2 ? double.NaN : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1) / v.Count);
        return new(mean, se, v.Count);
    }

    /// <summary>A rate (share of true) with its standard error.</summary>
    public static Estimate Of(IEnumerable<bool> outcomes) => Of(outcomes.Select(o => o ? 1.0 : 0.0));

    /// <summary>"0.1234 ± 0.0056" with <paramref name="format"/> for both numbers.</summary>
    public string ToString(string format) =>
        Mean.ToString(format, CultureInfo.InvariantCulture) + " ± " + StandardError.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A rate as "45 % ± 7".</summary>
    public string Percent() =>
        double.IsNaN(Mean) ? "–" : double.IsNaN(StandardError) ? FormattableString.Invariant($"{100 * Mean:F0} %") : FormattableString.Invariant($"{100 * Mean:F0} % ± {100 * StandardError:F0}");

    public override string ToString() => ToString("F4");
}
