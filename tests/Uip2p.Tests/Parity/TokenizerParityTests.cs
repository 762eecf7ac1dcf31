using System.Text.Json;
using Uip2p.Text;

namespace Uip2p.Tests.Parity;

/// <summary>The CLIP tokenizer against openai/CLIP's SimpleTokenizer + clip.tokenize on the fixture's 60 strings.</summary>
public class TokenizerParityTests
{
    /// <summary>Fixtures made with openai's SimpleTokenizer (reference module clip/simple_tokenizer.py).</summary>
    public static TheoryData<string> Fixtures => OracleFixture.Dirs(c => c.Contains("simple_tokenizer", StringComparison.Ordinal));

    static string Dir => Fixtures.Cast<string>().First();

    public static TheoryData<string, string> Sources
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string dir in Fixtures)
            {
                data.Add(dir, "hf-folder");
                data.Add(dir, "openai-gz");
            }
            return data;
        }
    }

    static ClipTokenizer Load(string source, int? pad, string? dir = null) => source == "hf-folder"
        ? ClipTokenizer.FromFolder(dir ?? Dir, padId: pad)
        : ClipTokenizer.FromOpenAiBpe(Path.Combine(dir ?? Dir, "bpe_simple_vocab_16e6.txt.gz"), padId: pad);

    static List<JsonElement> Cases(string? dir = null)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir ?? Dir, "tokens.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
    }

    static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    [Fact]
    public void There_are_tokenizer_fixtures() => Assert.NotEmpty(Fixtures);

    [Theory]
    [MemberData(nameof(Sources))]
    public void Every_case_matches_in_both_paddings(string dir, string source)
    {
        var sdTokenizer = Load(source, pad: null, dir);
        var clipTokenizer = Load(source, pad: 0, dir);
        var failures = new List<string>();
        var cases = Cases(dir);
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            string text = c.GetProperty("text").GetString()!;
            var untruncated = sdTokenizer.EncodeUntruncated(text);
            var sd = sdTokenizer.Encode(text);
            var clip = clipTokenizer.Encode(text);
            if (!untruncated.SequenceEqual(Ints(c.GetProperty("ids")))) failures.Add($"ids: {text}");
            if (!sd.Ids.SequenceEqual(Ints(c.GetProperty("ids_sd_pad_eot")))) failures.Add($"sd pad: {text}");
            if (!clip.Ids.SequenceEqual(Ints(c.GetProperty("ids_clip_pad0")))) failures.Add($"clip pad0: {text}");
            if (sd.Truncated != c.GetProperty("truncated").GetBoolean()) failures.Add($"truncated flag: {text}");
            if (ClipTextCleaner.Clean(text) != c.GetProperty("cleaned").GetString()) failures.Add($"cleaned: {text} -> {ClipTextCleaner.Clean(text)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Bpe_token_strings_and_decoding_match()
    {
        var tokenizer = Load("hf-folder", null);
        foreach (var c in Cases().Where(c => c.TryGetProperty("bpe_tokens", out _)))
        {
            string text = c.GetProperty("text").GetString()!;
            var ids = tokenizer.EncodeUntruncated(text);
            var expected = c.GetProperty("bpe_tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
            var got = ids.Skip(1).SkipLast(1).Select(tokenizer.Token).ToList();
            Assert.Equal(expected, got);
        }
        foreach (var c in Cases().Where(c => c.TryGetProperty("decoded", out _) && !c.GetProperty("truncated").GetBoolean()))
            Assert.Equal(c.GetProperty("decoded").GetString(), tokenizer.Decode(tokenizer.EncodeUntruncated(c.GetProperty("text").GetString()!)[1..^1]));
    }

    [Fact]
    public void Labels_give_one_readable_string_per_position()
    {
        var tokenizer = Load("hf-folder", null);
        var tokens = tokenizer.Encode("Make the dog's fur blue");
        var labels = tokenizer.Labels(tokens);
        Assert.Equal(77, labels.Count);
        Assert.Equal(["<|startoftext|>", "make", "the", "dog", "'s", "fur", "blue", "<|endoftext|>", "<pad>"], labels.Take(9));
        Assert.False(tokens.Truncated);
        Assert.Equal(8, tokens.Length);
    }

    [Fact]
    public void Batches_are_int64_tensors_and_report_truncation()
    {
        var tokenizer = Load("hf-folder", null);
        var ids = tokenizer.EncodeBatch(["a red circle", string.Join(" ", Enumerable.Repeat("word", 100))], out var encoded);
        Assert.Equal(new long[] { 2, 77 }, ids.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, ids.dtype);
        Assert.False(encoded[0].Truncated);
        Assert.True(encoded[1].Truncated);
        Assert.Equal(49407, encoded[1].Ids[^1]);
    }
}
