using System.Text;

namespace Uip2p.Experiments;

/// <summary>
/// One arm of an ablation: a name and the config overrides (<c>key=value</c>, dotted keys as <c>uip2p train --set</c>)
/// that make it from the base config. Written two ways on the command line:
/// <list type="bullet">
/// <item><c>--vary key=v1,v2,…</c> — one variant per value; several <c>--vary</c> make their cartesian product, named by
/// the assignments (<c>attention=0.5 similarity=0</c>: the last key segment, or the whole key where two share one);</item>
/// <item><c>--variant "NAME: key=value key=value"</c> — a named variant, not crossed with the other named ones (the paper's
/// Table 3 rows: <c>"base: cec.weights.attention=0 cec.weights.similarity=0"</c>, …); <c>"NAME:"</c> alone is the base config.</item>
/// </list>
/// With both, every named variant is crossed with the grid (<c>NAME attention=0.5</c>). Values are split at top-level
/// commas (grid) or spaces (named), never inside brackets or quotes, so JSON lists pass whole: <c>cec.attention_layers=["attn1","attn2"]</c>.
/// </summary>
public sealed record AblationVariant(string Name, IReadOnlyList<string> Overrides)
{
    /// <summary>The reference row's name (output = input); no variant may take it.</summary>
    public const string Identity = "identity";

    /// <summary>The settings keys this variant assigns, in order.</summary>
    public IEnumerable<string> Keys => Overrides.Select(KeyOf);

    /// <summary>The folder-safe form of <see cref="Name"/>: letters, digits, '.', '-' and '_' kept, runs of anything else one '_'.</summary>
    public string Slug => SlugOf(Name);

    public static string SlugOf(string name)
    {
        var sb = new StringBuilder();
        foreach (char c in name.Trim())
        {
            bool keep = char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_';
            if (keep) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '_') sb.Append('_');
        }
        string slug = sb.ToString().Trim('_', '.');
        return slug.Length == 0 ? "variant" : slug;
    }

    /// <summary>The key of a <c>key=value</c> assignment.</summary>
    public static string KeyOf(string assignment)
    {
        int eq = assignment.IndexOf('=');
        return (eq < 0 ? assignment : assignment[..eq]).Trim();
    }

    /// <summary>Parses <c>"NAME: key=value key=value"</c> (<c>--variant</c>).</summary>
    public static AblationVariant Parse(string text, string option = "--variant")
    {
        int colon = text.IndexOf(':');
        string name = (colon < 0 ? text : text[..colon]).Trim();
        string rest = colon < 0 ? "" : text[(colon + 1)..];
        if (name.Length == 0 || name.Contains('='))
            throw new ArgumentException($"{option} '{text}': expected \"NAME: key=value key=value …\" (a name, a colon, then the overrides).");
        if (string.Equals(name, Identity, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{option} '{text}': the name '{Identity}' is the reference row (output = input); choose another.");
        var overrides = Split(rest, ' ');
        foreach (string o in overrides)
            if (o.IndexOf('=') <= 0) throw new ArgumentException($"{option} '{text}': '{o}' is not key=value.");
        var repeated = overrides.GroupBy(KeyOf).FirstOrDefault(g => g.Count() > 1);
        if (repeated != null) throw new ArgumentException($"{option} '{text}': '{repeated.Key}' is assigned twice.");
        return new AblationVariant(name, overrides);
    }

    /// <summary>Parses one <c>--vary key=v1,v2,…</c> into its key and values.</summary>
    public static (string Key, IReadOnlyList<string> Values) ParseVary(string text, string option = "--vary")
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"{option} '{text}': expected key=v1,v2,… (e.g. cec.weights.attention=0,0.5,1).");
        string key = text[..eq].Trim();
        string list = text[(eq + 1)..];
        if (list.Trim().Length == 0) throw new ArgumentException($"{option} '{text}': give at least one value (key=v1,v2,…).");
        var values = Split(list, ',', keepEmpty: true);
        if (values.Any(v => v.Length == 0)) throw new ArgumentException($"{option} '{text}': an empty value in the list (key=v1,v2,…).");
        var twice = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        if (twice != null) throw new ArgumentException($"{option} '{text}': the value '{twice.Key}' is given twice.");
        return (key, values);
    }

    /// <summary>
    /// The cartesian product of the <c>--vary</c> lists (the first varies slowest), each combination named by its
    /// assignments; no lists: one unnamed variant with no overrides.
    /// </summary>
    public static IReadOnlyList<AblationVariant> Grid(IReadOnlyList<(string Key, IReadOnlyList<string> Values)> vary)
    {
        IEnumerable<IReadOnlyList<(string Key, string Value)>> combos = [[]];
        foreach (var (key, values) in vary)
            combos = combos.SelectMany(c => values.Select(v => (IReadOnlyList<(string, string)>)[.. c, (key, v)])).ToList();
        // The last key segment names a value unless two keys share it (cec.weights.clip vs some.other.clip).
        var shortNames = vary.Select(v => v.Key.Split('.')[^1]).ToList();
        bool shortUnique = shortNames.Distinct().Count() == shortNames.Count;
        string Label(string key) => shortUnique ? key.Split('.')[^1] : key;
        return combos.Select(c => new AblationVariant(string.Join(' ', c.Select(a => $"{Label(a.Key)}={a.Value}")), c.Select(a => $"{a.Key}={a.Value}").ToList())).ToList();
    }

    /// <summary>Every named variant crossed with every grid variant (either side alone when the other is empty).</summary>
    public static IReadOnlyList<AblationVariant> Cross(IReadOnlyList<AblationVariant> named, IReadOnlyList<AblationVariant> grid)
    {
        if (named.Count == 0) return grid.Count == 1 && grid[0].Overrides.Count == 0 ? [grid[0] with { Name = "base" }] : grid;
        if (grid.Count == 1 && grid[0].Overrides.Count == 0) return named;
        return named.SelectMany(n => grid.Select(g => new AblationVariant($"{n.Name} {g.Name}", [.. n.Overrides, .. g.Overrides]))).ToList();
    }

    /// <summary>Splits at <paramref name="separator"/> outside brackets, braces and double quotes; trims each part.</summary>
    internal static List<string> Split(string text, char separator, bool keepEmpty = false)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        int depth = 0;
        bool quoted = false;
        foreach (char c in text)
        {
            if (c == '"') quoted = !quoted;
            else if (!quoted && c is '[' or '{') depth++;
            else if (!quoted && c is ']' or '}') depth = Math.Max(0, depth - 1);
            bool split = !quoted && depth == 0 && (separator == ' ' ? char.IsWhiteSpace(c) : c == separator);
            if (split)
            {
                parts.Add(current.ToString().Trim());
                current.Clear();
            }
            else current.Append(c);
        }
        parts.Add(current.ToString().Trim());
        return keepEmpty ? parts : parts.Where(p => p.Length > 0).ToList();
    }
}
