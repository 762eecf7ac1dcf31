using System.Text.RegularExpressions;

namespace Uip2p.Data.Generation;

/// <summary>
/// Writes reverse instructions for the common edit patterns without an LLM: add ↔ remove, attribute
/// (colour, material) changes and object swaps inverted with the input caption ("make the jacket a rain
/// coat" on "A man wearing a denim jacket" → "make the coat a denim jacket"), moves ("move the X back") and
/// global style changes ("turn it back into a photo"). It does not guess: an instruction no rule
/// understands, or an attribute whose original value the caption does not give, comes back uninverted
/// with the reason.
/// </summary>
public static partial class RuleReverser
{
    public static ReverseResult Reverse(string inputCaption, string instruction)
    {
        string text = Normalise(instruction);
        if (text.Length == 0) return ReverseResult.Cannot("none", "the instruction is empty");

        if (ColourOf().Match(text) is { Success: true } co) return Attribute(inputCaption, co.Groups["a"].Value, co.Groups["b"].Value);
        if (Replace().Match(text) is { Success: true } rp) return Swap(inputCaption, rp.Groups["a"].Value, rp.Groups["b"].Value, "replace");
        if (Global().Match(text) is { Success: true } gl) return GlobalStyle(gl.Groups["s"].Value);
        if (Add().Match(text) is { Success: true } ad) return new ReverseResult($"remove {EditWords.The(ad.Groups["x"].Value)}", "add");
        if (Remove().Match(text) is { Success: true } rm) return new ReverseResult($"add {EditWords.The(rm.Groups["x"].Value)} back", "remove");
        if (Move().Match(text) is { Success: true } mv) return new ReverseResult($"move {EditWords.The(mv.Groups["x"].Value)} back", "move");
        if (MakeThe().Match(text) is { Success: true } mk) return MakeOrTurn(inputCaption, mk.Groups["rest"].Value);
        return ReverseResult.Cannot("none", "no rule for this instruction");
    }

    static string Normalise(string instruction)
    {
        string t = Regex.Replace(instruction.Trim().ToLowerInvariant(), @"\s+", " ").TrimEnd('.', '!', ' ');
        t = Regex.Replace(t, @"^(please|can you|could you|let's|lets)\s+", "");
        return t;
    }

    // "make the jacket a rain coat", "turn the car into a boat", "make the spacesuit blue".
    static ReverseResult MakeOrTurn(string caption, string rest)
    {
        string a, b;
        if (Regex.Match(rest, @"^(?<a>.+?)\s+(?:into|to|to be|look like)\s+(?<b>.+)$") is { Success: true } m1) (a, b) = (m1.Groups["a"].Value, m1.Groups["b"].Value);
        else if (Regex.Match(rest, @"^(?<a>.+?)\s+(?<b>(?:a|an)\s+.+)$") is { Success: true } m2) (a, b) = (m2.Groups["a"].Value, m2.Groups["b"].Value);
        else
        {
            // No "into"/"a": the trailing attribute words are the new value ("the spacesuit bright blue").
            var words = rest.Split(' ');
            int k = words.Length;
            while (k > 1 && IsAttribute(words[k - 1])) k--;
            if (k == words.Length) return ReverseResult.Cannot("make", "cannot tell the object from its new look");
            (a, b) = (string.Join(' ', words[..k]), string.Join(' ', words[k..]));
        }
        return AttributeWords(b).Count > 0 && AttributeWords(b).Count == EditWords.Words(EditWords.Bare(b)).Count(w => w is not ("colored" or "coloured" or "color" or "colour"))
            ? Attribute(caption, a, b)
            : Swap(caption, a, b, "make");
    }

    static bool IsAttribute(string w) => EditWords.Colours.Contains(w) || EditWords.Materials.Contains(w);

    static List<string> AttributeWords(string phrase) => EditWords.Words(phrase).Where(IsAttribute).ToList();

    // "make the spacesuit blue" needs the spacesuit's colour from the input caption ("an orange spacesuit").
    static ReverseResult Attribute(string caption, string thing, string value)
    {
        string head = Head(thing);
        bool colour = AttributeWords(value).Any(EditWords.Colours.Contains);
        var set = colour ? EditWords.Colours : EditWords.Materials;
        var words = EditWords.Words(caption);
        for (int i = 0; i < words.Count; i++)
        {
            if (EditWords.Stem(words[i]) != EditWords.Stem(head)) continue;
            var before = new List<string>();
            for (int j = i - 1; j >= 0 && !EditWords.Determiners.Contains(words[j]) && !EditWords.BreaksPhrase(words[j]); j--) before.Insert(0, words[j]);
            var original = before.Where(set.Contains).ToList();
            if (original.Count > 0)
                return new ReverseResult($"make {EditWords.The(thing)} {string.Join(' ', original)}", colour ? "colour" : "material");
        }
        return ReverseResult.Cannot(colour ? "colour" : "material",
            $"the input caption does not give the original {(colour ? "colour" : "material")} of the {head}");
    }

    // "make the jacket a rain coat" → "make the coat a denim jacket": refer to the new object by its head
    // noun, and bring back the old one as the caption names it.
    static ReverseResult Swap(string caption, string oldThing, string newThing, string verb)
    {
        string original = PhraseInCaption(caption, Head(oldThing)) ?? Article(EditWords.Bare(oldThing));
        string newHead = Head(newThing);
        return verb == "replace"
            ? new ReverseResult($"replace the {newHead} with {original}", "swap")
            : new ReverseResult($"make the {newHead} {original}", "swap");
    }

    static ReverseResult GlobalStyle(string style)
    {
        var words = EditWords.Words(style);
        if (style.Contains("black and white") || words.Any(w => w is "grayscale" or "greyscale" or "monochrome" or "sepia"))
            return new ReverseResult("restore the original colours", "global");
        if (words.Any(w => StyleWords.Contains(w)))
            return new ReverseResult("turn it back into a photo", "global");
        return ReverseResult.Cannot("global", $"'{style}' is not a style whose undo is known (weather, time of day and season need the original)");
    }

    static readonly HashSet<string> StyleWords = new(StringComparer.Ordinal)
    {
        "painting", "painted", "drawing", "sketch", "pencil", "watercolor", "watercolour", "cartoon", "anime", "style", "art", "artwork",
        "illustration", "mosaic", "pixel", "pixelated", "comic", "oil", "impressionist", "cubist", "cubism", "van", "gogh", "picasso",
        "monet", "ukiyo-e", "claymation", "3d", "render", "origami", "stained", "lithograph", "engraving", "pop",
    };

    static string Head(string phrase) => EditWords.Words(phrase).LastOrDefault(w => !EditWords.Determiners.Contains(w)) ?? phrase;

    static string Article(string bare) =>
        bare.EndsWith('s') && !bare.EndsWith("ss", StringComparison.Ordinal) ? bare : ("aeiou".Contains(bare[0]) ? "an " : "a ") + bare;

    /// <summary>The caption's noun phrase that ends with <paramref name="head"/> ("a denim jacket"), or null.</summary>
    static string? PhraseInCaption(string caption, string head)
    {
        var words = EditWords.Words(caption);
        for (int i = 0; i < words.Count; i++)
        {
            if (EditWords.Stem(words[i]) != EditWords.Stem(head)) continue;
            int j = i - 1;
            while (j >= 0 && i - j <= 4 && !EditWords.Determiners.Contains(words[j]) && !EditWords.BreaksPhrase(words[j])) j--;
            var phrase = words[(j + 1)..(i + 1)];
            string det = j >= 0 && EditWords.Determiners.Contains(words[j]) ? words[j] : "";
            if (det is "the" or "his" or "her" or "their" or "its" or "") return Article(string.Join(' ', phrase));
            return det + " " + string.Join(' ', phrase);
        }
        return null;
    }

    [GeneratedRegex(@"^(?:change|make|turn|set)\s+the\s+colou?r\s+of\s+(?<a>.+?)\s+(?:to|into)\s+(?<b>.+)$")]
    private static partial Regex ColourOf();

    [GeneratedRegex(@"^(?:replace|swap|substitute)\s+(?<a>.+?)\s+(?:with|for|by)\s+(?<b>.+)$")]
    private static partial Regex Replace();

    [GeneratedRegex(@"^(?:make|turn|convert|transform|change|render|paint|redo)\s+(?:it|this|everything|the (?:whole |entire )?(?:image|photo|picture|scene|photograph))\s+(?:into\s+|to\s+|look like\s+|like\s+|in(?:to)?\s+|as\s+)?(?<s>.+)$")]
    private static partial Regex Global();

    [GeneratedRegex(@"^(?:add|put|place|insert|include|draw)\s+(?<x>.+?)(?:\s+(?:to|on|onto|in|into|at|near|next to|beside|behind|above|below|under|over|around|inside|on top of|in front of)\s+.+)?$")]
    private static partial Regex Add();

    [GeneratedRegex(@"^(?:remove|delete|erase|eliminate|get rid of|take away|take out)\s+(?<x>.+?)(?:\s+from\s+.+)?$")]
    private static partial Regex Remove();

    [GeneratedRegex(@"^move\s+(?<x>.+?)\s+(?:to|towards?|closer|further|farther|left|right|up|down|in front|behind|next|away|over|onto|into)\b.*$")]
    private static partial Regex Move();

    [GeneratedRegex(@"^(?:make|turn|change|transform|convert)\s+(?<rest>(?:the|his|her|their|its)\s+.+)$")]
    private static partial Regex MakeThe();
}
