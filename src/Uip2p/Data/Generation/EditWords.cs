using System.Text.RegularExpressions;

namespace Uip2p.Data.Generation;

/// <summary>Small English word lists and helpers the offline generator and the text checks share.</summary>
public static partial class EditWords
{
    public static readonly HashSet<string> Colours = new(StringComparer.Ordinal)
    {
        "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "grey", "gray", "gold", "golden",
        "silver", "beige", "turquoise", "violet", "navy", "teal", "maroon", "cyan", "magenta", "lime", "crimson", "scarlet",
        "indigo", "tan", "cream", "ivory", "bronze", "lavender", "olive", "khaki", "blond", "blonde", "ginger", "dark", "light", "bright", "pale",
    };

    public static readonly HashSet<string> Materials = new(StringComparer.Ordinal)
    {
        "wooden", "wood", "metal", "metallic", "glass", "stone", "marble", "plastic", "leather", "denim", "paper", "brick", "concrete",
        "steel", "iron", "velvet", "silk", "wool", "woolen", "woollen", "cotton", "ceramic", "crystal", "ice", "chocolate", "rubber",
        "straw", "wicker", "bamboo", "copper", "granite", "porcelain", "fur", "furry", "knitted", "lego",
    };

    /// <summary>Words that look like the start or end of a noun phrase inside a caption.</summary>
    public static readonly HashSet<string> Determiners = new(StringComparer.Ordinal) { "a", "an", "the", "some", "his", "her", "their", "its", "two", "three", "several", "many" };

    static readonly HashSet<string> PhraseBreaks = new(StringComparer.Ordinal)
    {
        "in", "on", "at", "with", "of", "and", "or", "to", "by", "from", "near", "next", "behind", "above", "below", "under", "over",
        "is", "are", "was", "wearing", "holding", "sitting", "standing", "riding", "looking", "while", "who", "that", "which", "for", "into",
    };

    /// <summary>Function words and edit verbs: what is left names what an edit is about.</summary>
    public static readonly HashSet<string> Stop = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "some", "it", "its", "this", "that", "these", "those", "his", "her", "their", "them", "him", "of", "to", "into",
        "in", "on", "onto", "at", "with", "and", "or", "be", "is", "are", "was", "make", "made", "turn", "change", "add", "remove", "put",
        "place", "insert", "delete", "erase", "replace", "move", "back", "again", "please", "let", "have", "get", "rid", "take", "away",
        "out", "instead", "from", "by", "as", "like", "look", "looks", "so", "more", "less", "very", "original", "restore", "undo", "photo",
        "image", "picture", "where", "was", "there", "here", "now", "up", "down",
    };

    [GeneratedRegex(@"[a-z0-9][a-z0-9'\-]*")]
    private static partial Regex WordRegex();

    /// <summary>Lower-case words of a text.</summary>
    public static List<string> Words(string text) => WordRegex().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToList();

    /// <summary>A crude singular form, so "pillows" and "pillow" meet.</summary>
    public static string Stem(string word) =>
        word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal) ? word[..^3] + "y"
        : word.Length > 3 && word.EndsWith("es", StringComparison.Ordinal) && (word.EndsWith("ses", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal) || word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal)) ? word[..^2]
        : word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) ? word[..^1]
        : word;

    /// <summary>Stemmed content words (no function words or edit verbs).</summary>
    public static HashSet<string> Content(string text) => Words(text).Where(w => !Stop.Contains(w)).Select(Stem).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether a word is one of the phrase breaks (prepositions, verbs) that end a noun phrase.</summary>
    public static bool BreaksPhrase(string word) => PhraseBreaks.Contains(word);

    /// <summary>A noun phrase without its leading determiner.</summary>
    public static string Bare(string phrase)
    {
        var words = phrase.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        while (words.Count > 1 && Determiners.Contains(words[0].ToLowerInvariant())) words.RemoveAt(0);
        return string.Join(' ', words);
    }

    /// <summary>The phrase with "the" in front (its own determiner dropped), for referring to something present.</summary>
    public static string The(string phrase) => "the " + Bare(phrase);
}
