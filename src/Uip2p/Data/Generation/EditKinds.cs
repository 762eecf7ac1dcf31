using System.Globalization;

namespace Uip2p.Data.Generation;

/// <summary>
/// The five edit kinds of the paper's caption-data generation (Table 4) and a requested mix of them.
/// Kinds are dealt to records in order so that every prefix of the records follows the mix as closely as
/// whole records allow (largest deficit first): the same records.jsonl always gets the same kinds.
/// </summary>
public sealed class EditKinds
{
    public static readonly IReadOnlyList<string> Names = ["attribute", "add", "remove", "move", "global"];

    public EditKinds(IReadOnlyDictionary<string, double> weights)
    {
        double total = weights.Values.Sum();
        Shares = Names.ToDictionary(n => n, n => weights.GetValueOrDefault(n) / total);
    }

    public IReadOnlyDictionary<string, double> Shares { get; }

    public static EditKinds Uniform => new(Names.ToDictionary(n => n, _ => 1.0));

    /// <summary>Parses <c>attribute=0.3,add=0.3,remove=0.2,move=0.1,global=0.1</c> (weights, normalised); kinds left out get 0.</summary>
    public static EditKinds Parse(string text)
    {
        var weights = new Dictionary<string, double>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            string name = eq > 0 ? part[..eq].Trim() : part;
            if (!Names.Contains(name))
                throw new ArgumentException($"--mix {text}: '{name}' is not an edit kind; use {string.Join(", ", Names)} as kind=weight pairs.");
            if (eq < 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double w) || w < 0 || !double.IsFinite(w))
                throw new ArgumentException($"--mix {text}: '{part}' needs a weight of 0 or more, as {name}=0.2.");
            if (!weights.TryAdd(name, w)) throw new ArgumentException($"--mix {text}: '{name}' is given twice.");
        }
        if (weights.Values.Sum() <= 0) throw new ArgumentException($"--mix {text}: the weights add up to 0; give at least one kind a positive weight.");
        return new EditKinds(weights);
    }

    /// <summary>The kinds for records 0…count−1 in order.</summary>
    public IEnumerable<string> Deal()
    {
        var counts = Names.ToDictionary(n => n, _ => 0L);
        for (long i = 0; ; i++)
        {
            string pick = Names.OrderByDescending(n => Shares[n] * (i + 1) - counts[n]).ThenBy(n => Names.ToList().IndexOf(n)).First();
            counts[pick]++;
            yield return pick;
        }
    }

    public override string ToString() => string.Join(",", Names.Select(n => $"{n}={Shares[n].ToString("0.###", CultureInfo.InvariantCulture)}"));
}
