using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Uip2p.Text;

/// <summary>One text, tokenized to a fixed context length.</summary>
/// <param name="Ids">Token ids, exactly <c>ContextLength</c> long: SOT, BPE tokens, EOT, padding.</param>
/// <param name="Length">Positions holding SOT…EOT (the rest is padding).</param>
/// <param name="Truncated">The text did not fit and was cut (the last kept position is EOT).</param>
public sealed record TokenizedText(int[] Ids, int Length, bool Truncated);

/// <summary>
/// CLIP's byte-level BPE tokenizer, exactly as openai/CLIP and Stable Diffusion use it: openai's text
/// cleaning (<see cref="ClipTextCleaner"/>), CLIP's regex pre-tokenization, lower-casing, byte-level
/// alphabet, BPE with a <c>&lt;/w&gt;</c> end-of-word suffix (Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>),
/// start/end tokens, truncation to the context length (last kept id = end token) and padding
/// (end token by default as SD1.x; 0 for openai's <c>clip.tokenize</c> and SD2-style tokenizers).
/// </summary>
public sealed partial class ClipTokenizer
{
    public const string StartToken = "<|startoftext|>";
    public const string EndToken = "<|endoftext|>";

    readonly BpeTokenizer _bpe;
    readonly string[] _idToToken;
    readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    ClipTokenizer(BpeTokenizer bpe, IReadOnlyDictionary<string, int> vocabulary, int contextLength, int? padId, string source)
    {
        _bpe = bpe;
        Vocabulary = vocabulary;
        Source = source;
        StartId = vocabulary.TryGetValue(StartToken, out int s) ? s : throw new InvalidDataException($"{source}: the vocabulary has no {StartToken}.");
        EndId = vocabulary.TryGetValue(EndToken, out int e) ? e : throw new InvalidDataException($"{source}: the vocabulary has no {EndToken}.");
        ContextLength = contextLength >= 2 ? contextLength : throw new ArgumentOutOfRangeException(nameof(contextLength), "The context must hold at least the start and end tokens.");
        PadId = padId ?? EndId;
        _idToToken = new string[vocabulary.Values.Max() + 1];
        foreach (var (token, id) in vocabulary) _idToToken[id] = token;
        if (PadId < 0 || PadId >= _idToToken.Length) throw new ArgumentOutOfRangeException(nameof(padId), $"Pad id {PadId} is outside the vocabulary.");
    }

    /// <summary>Token string → id.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary { get; }
    public int StartId { get; }
    public int EndId { get; }
    /// <summary>The id written after the end token up to the context length.</summary>
    public int PadId { get; }
    public int ContextLength { get; }
    /// <summary>Where the tokenizer was loaded from (for messages).</summary>
    public string Source { get; }
    public int VocabularySize => _idToToken.Length;

    /// <summary>
    /// Loads a Hugging Face tokenizer folder: <c>vocab.json</c> + <c>merges.txt</c>, and when present
    /// <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c> for the pad token and context length.
    /// </summary>
    public static ClipTokenizer FromFolder(string folder, int? padId = null, int? contextLength = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such tokenizer folder.");
        string vocab = Path.Combine(folder, "vocab.json"), merges = Path.Combine(folder, "merges.txt");
        var (pad, max) = ReadTokenizerConfig(folder);
        var vocabulary = ReadVocabulary(vocab);
        int? padFromConfig = pad != null ? vocabulary.TryGetValue(pad, out int p) ? p
            : throw new InvalidDataException($"{folder}: pad token '{pad}' of the tokenizer config is not in vocab.json.") : null;
        using var vocabStream = File.OpenRead(vocab);
        using var mergesStream = OpenRequired(merges);
        return Create(vocabStream, mergesStream, vocabulary, contextLength ?? max ?? 77, padId ?? padFromConfig, folder);
    }

    /// <summary>Loads openai/CLIP's <c>bpe_simple_vocab_16e6.txt.gz</c> (vocabulary built as openai's SimpleTokenizer does).</summary>
    public static ClipTokenizer FromOpenAiBpe(string gzPath, int? padId = null, int contextLength = 77)
    {
        List<string> merges;
        try
        {
            using var gz = new GZipStream(OpenRequired(gzPath), CompressionMode.Decompress);
            using var reader = new StreamReader(gz, Encoding.UTF8);
            merges = reader.ReadToEnd().Split('\n').Skip(1).Take(49152 - 256 - 2).ToList();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{gzPath}: not a gzip file ({e.Message}).", e);
        }
        if (merges.Count != 49152 - 256 - 2)
            throw new InvalidDataException($"{gzPath}: {merges.Count} merges, expected {49152 - 256 - 2}; the file is truncated or not CLIP's.");
        var tokens = new List<string>();
        tokens.AddRange(ByteAlphabet.VocabularyOrder.Select(c => c.ToString()));
        tokens.AddRange(ByteAlphabet.VocabularyOrder.Select(c => c + "</w>"));
        for (int i = 0; i < merges.Count; i++)
        {
            string[] pair = merges[i].Split(' ');
            if (pair.Length != 2) throw new InvalidDataException($"{gzPath}: merge line {i + 2} is not 'a b': '{merges[i]}'.");
            tokens.Add(pair[0] + pair[1]);
        }
        tokens.Add(StartToken);
        tokens.Add(EndToken);
        var vocabulary = tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        var vocabJson = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(vocabulary));
        var mergesText = new MemoryStream(Encoding.UTF8.GetBytes("#version: 0.2\n" + string.Join("\n", merges) + "\n"));
        return Create(vocabJson, mergesText, vocabulary, contextLength, padId, gzPath);
    }

    static ClipTokenizer Create(Stream vocab, Stream merges, Dictionary<string, int> vocabulary, int contextLength, int? padId, string source)
    {
        try
        {
            var bpe = BpeTokenizer.Create(vocab, merges, preTokenizer: null, normalizer: null, specialTokens: null,
                unknownToken: null, continuingSubwordPrefix: null, endOfWordSuffix: "</w>");
            return new ClipTokenizer(bpe, vocabulary, contextLength, padId, source);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{source}: the vocabulary/merges could not be loaded: {e.Message}", e);
        }
    }

    static Dictionary<string, int> ReadVocabulary(string path)
    {
        try
        {
            using var stream = OpenRequired(path);
            return JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                ?? throw new InvalidDataException($"{path}: empty vocabulary.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a JSON object of token → id ({e.Message}).", e);
        }
    }

    static (string? Pad, int? MaxLength) ReadTokenizerConfig(string folder)
    {
        string? pad = null;
        int? max = null;
        foreach (string name in new[] { "special_tokens_map.json", "tokenizer_config.json" })
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                var root = doc.RootElement;
                if (root.TryGetProperty("pad_token", out var p))
                    pad = p.ValueKind == JsonValueKind.String ? p.GetString() : p.ValueKind == JsonValueKind.Object && p.TryGetProperty("content", out var c) ? c.GetString() : pad;
                if (root.TryGetProperty("model_max_length", out var m) && m.TryGetInt64(out long ml) && ml is > 1 and < 100_000) max = (int)ml;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: invalid JSON ({e.Message}).", e);
            }
        }
        return (pad, max);
    }

    static FileStream OpenRequired(string path) =>
        File.Exists(path) ? File.OpenRead(path) : throw new FileNotFoundException($"{path}: tokenizer file missing.", path);

    /// <summary>SOT + BPE ids + EOT, not truncated.</summary>
    public List<int> EncodeUntruncated(string text)
    {
        var ids = new List<int> { StartId };
        foreach (Match piece in Pieces().Matches(ClipTextCleaner.Clean(text)))
        {
            string word = piece.Value;
            if (word == StartToken) { ids.Add(StartId); continue; }
            if (word == EndToken) { ids.Add(EndId); continue; }
            ids.AddRange(EncodeWord(word));
        }
        ids.Add(EndId);
        return ids;
    }

    int[] EncodeWord(string word)
    {
        lock (_cache)
            if (_cache.TryGetValue(word, out int[]? cached)) return cached;
        int[] ids = [.. _bpe.EncodeToIds(ByteAlphabet.Encode(word), considerPreTokenization: false, considerNormalization: false)];
        lock (_cache)
        {
            if (_cache.Count > 100_000) _cache.Clear();
            _cache[word] = ids;
        }
        return ids;
    }

    /// <summary>Tokenizes one text to <see cref="ContextLength"/> ids (truncated and padded).</summary>
    public TokenizedText Encode(string text)
    {
        var ids = EncodeUntruncated(text);
        bool truncated = ids.Count > ContextLength;
        if (truncated)
        {
            ids.RemoveRange(ContextLength, ids.Count - ContextLength);
            ids[^1] = EndId;
        }
        int length = ids.Count;
        while (ids.Count < ContextLength) ids.Add(PadId);
        return new TokenizedText([.. ids], length, truncated);
    }

    /// <summary>Tokenizes a batch to an int64 tensor <c>[N, ContextLength]</c>.</summary>
    public Tensor EncodeBatch(IEnumerable<string> texts) => EncodeBatch(texts, out _);

    /// <summary>Tokenizes a batch; <paramref name="encoded"/> tells which texts were truncated.</summary>
    public Tensor EncodeBatch(IEnumerable<string> texts, out IReadOnlyList<TokenizedText> encoded)
    {
        var list = texts.Select(Encode).ToList();
        encoded = list;
        var flat = list.SelectMany(t => t.Ids.Select(i => (long)i)).ToArray();
        return tensor(flat, [list.Count, ContextLength], ScalarType.Int64);
    }

    /// <summary>The vocabulary string of an id (byte-level symbols, with <c>&lt;/w&gt;</c>).</summary>
    public string Token(int id) =>
        id >= 0 && id < _idToToken.Length && _idToToken[id] != null ? _idToToken[id] : throw new ArgumentOutOfRangeException(nameof(id), $"Token id {id} is not in the vocabulary.");

    /// <summary>
    /// One readable label per position (for attention-map axes): words as text without <c>&lt;/w&gt;</c>,
    /// sub-words as they are, special tokens by name, padding as <c>&lt;pad&gt;</c>.
    /// </summary>
    public IReadOnlyList<string> Labels(TokenizedText tokens)
    {
        var labels = new string[tokens.Ids.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            int id = tokens.Ids[i];
            labels[i] = i >= tokens.Length ? "<pad>"
                : id == StartId ? StartToken
                : id == EndId ? EndToken
                : ByteAlphabet.Decode(Token(id).EndsWith("</w>", StringComparison.Ordinal) ? Token(id)[..^4] : Token(id));
        }
        return labels;
    }

    /// <summary>Ids back to text as openai's decode does (each <c>&lt;/w&gt;</c> becomes a space).</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var sb = new StringBuilder();
        foreach (int id in ids)
        {
            if (skipSpecialTokens && (id == StartId || id == EndId)) continue;
            sb.Append(Token(id));
        }
        return ByteAlphabet.Decode(sb.ToString()).Replace("</w>", " ");
    }

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex Pieces();
}
