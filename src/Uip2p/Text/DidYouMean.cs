namespace Uip2p.Text;

/// <summary>Suggestions for mistyped names (config keys, option choices): the closest by edit distance.</summary>
public static class DidYouMean
{
    /// <summary>The closest candidate within a couple of edits (case-insensitive), or null.</summary>
    public static string? Closest(string value, IEnumerable<string> candidates)
    {
        string v = value.ToLowerInvariant();
        var best = candidates.Select(c => (c, d: Distance(v, c.ToLowerInvariant()))).OrderBy(x => x.d).FirstOrDefault();
        return best.c != null && best.d > 0 && best.d <= Math.Max(2, value.Length / 4) ? best.c : null;
    }

    /// <summary>" (did you mean 'x'?)" or "".</summary>
    public static string Suffix(string value, IEnumerable<string> candidates) =>
        Closest(value, candidates) is { } c ? $" (did you mean '{c}'?)" : "";

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int up = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = up;
            }
        }
        return row[b.Length];
    }
}
