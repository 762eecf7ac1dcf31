using System.Text.Json;
using Uip2p.Text;

namespace Uip2p.World;

/// <summary>
/// The world's own tokenizer, written as CLIP/Hugging Face files (vocab.json + merges.txt) and loaded by
/// the same <see cref="ClipTokenizer"/> as real checkpoints: CLIP's byte-level alphabet plus merges that
/// make every word of the closed vocabulary one token (found by greedy BPE over the word list).
/// </summary>
public static class WorldTokenizer
{
    /// <summary>Context length of the world's text encoder (captions are at most ~20 words).</summary>
    public const int ContextLength = 32;

    static readonly string[] TemplateWords =
    [
        "a", "an", "the", "on", "in", "with", "of", "and", "alone", "above", "below", "left", "right", "up", "down",
        "background", "picture", "black", "white", "make", "turn", "change", "to", "paint", "bigger", "smaller",
        "enlarge", "shrink", "add", "put", "remove", "delete", "take", "away", "move", "shift", "it", "colours",
        "bring", "back", "colourful", "again", "top", "bottom", "middle", "center",
    ];

    /// <summary>Every word captions and instructions use.</summary>
    public static IReadOnlyList<string> Words { get; } =
        TemplateWords.Concat(WorldVocabulary.Shapes).Concat(WorldVocabulary.Colours.Select(c => c.Name))
            .Concat(WorldVocabulary.Sizes.Select(s => s.Name)).Concat(WorldVocabulary.Backgrounds)
            .Concat(WorldVocabulary.Slots.SelectMany(s => s.Split(' ')))
            .Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Writes vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json.</summary>
    public static void Write(string folder)
    {
        ByteLevelVocabulary.Write(folder, Merges(Words));
        var options = new JsonSerializerOptions { WriteIndented = true };
        AtomicFile.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), JsonSerializer.Serialize(new
        {
            tokenizer_class = "CLIPTokenizer", model_max_length = ContextLength, do_lower_case = true,
            bos_token = ClipTokenizer.StartToken, eos_token = ClipTokenizer.EndToken, pad_token = ClipTokenizer.EndToken, unk_token = ClipTokenizer.EndToken,
        }, options));
        AtomicFile.WriteAllText(Path.Combine(folder, "special_tokens_map.json"), JsonSerializer.Serialize(new
        {
            bos_token = ClipTokenizer.StartToken, eos_token = ClipTokenizer.EndToken, pad_token = ClipTokenizer.EndToken, unk_token = ClipTokenizer.EndToken,
        }, options));
    }

    /// <summary>Greedy BPE over the words (each once): merge the most frequent adjacent pair until every word is one symbol.</summary>
    public static List<(string Left, string Right)> Merges(IEnumerable<string> words)
    {
        var symbols = words.Select(w =>
        {
            var chars = ByteAlphabet.Encode(w).Select(c => c.ToString()).ToList();
            chars[^1] += "</w>";
            return chars;
        }).ToList();
        var merges = new List<(string, string)>();
        while (true)
        {
            var counts = new Dictionary<(string, string), int>();
            foreach (var s in symbols)
                for (int i = 0; i + 1 < s.Count; i++)
                    counts[(s[i], s[i + 1])] = counts.GetValueOrDefault((s[i], s[i + 1])) + 1;
            if (counts.Count == 0) return merges;
            var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1, StringComparer.Ordinal).ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal).First().Key;
            merges.Add(best);
            foreach (var s in symbols)
                for (int i = 0; i + 1 < s.Count; i++)
                    if (s[i] == best.Item1 && s[i + 1] == best.Item2)
                    {
                        s[i] += s[i + 1];
                        s.RemoveAt(i + 1);
                    }
        }
    }
}
