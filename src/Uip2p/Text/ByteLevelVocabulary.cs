using System.Text.Json;

namespace Uip2p.Text;

/// <summary>
/// The smallest valid CLIP tokenizer: the 256 byte symbols, their <c>&lt;/w&gt;</c> forms, the start and end
/// tokens and no merges (every byte is a token). Used for tiny random pipelines in tests and benchmarks;
/// the world's own vocabulary is built the same way with merges for its words.
/// </summary>
public static class ByteLevelVocabulary
{
    /// <summary>Writes <c>vocab.json</c> and <c>merges.txt</c> (optionally with merges) into <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<(string Left, string Right)>? merges = null)
    {
        Directory.CreateDirectory(folder);
        var tokens = new List<string>();
        tokens.AddRange(ByteAlphabet.VocabularyOrder.Select(c => c.ToString()));
        tokens.AddRange(ByteAlphabet.VocabularyOrder.Select(c => c + "</w>"));
        foreach (var (l, r) in merges ?? []) tokens.Add(l + r);
        tokens.Add(ClipTokenizer.StartToken);
        tokens.Add(ClipTokenizer.EndToken);
        var vocab = tokens.Distinct().Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        AtomicFile.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(vocab, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        AtomicFile.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n" + string.Concat((merges ?? []).Select(m => $"{m.Left} {m.Right}\n")));
    }
}
