namespace Uip2p.Text;

/// <summary>
/// GPT-2/CLIP's reversible map from the 256 byte values to printable Unicode characters, so byte-level
/// BPE works on strings: printable Latin-1 bytes map to themselves, the others to U+0100 upwards.
/// </summary>
public static class ByteAlphabet
{
    static readonly char[] ByteToChar = Build();
    static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    static char[] Build()
    {
        var map = new char[256];
        var direct = new HashSet<int>();
        for (int b = '!'; b <= '~'; b++) direct.Add(b);
        for (int b = 0xA1; b <= 0xAC; b++) direct.Add(b);
        for (int b = 0xAE; b <= 0xFF; b++) direct.Add(b);
        int next = 0;
        for (int b = 0; b < 256; b++)
            map[b] = direct.Contains(b) ? (char)b : (char)(256 + next++);
        return map;
    }

    /// <summary>The character standing for byte <paramref name="b"/>.</summary>
    public static char Char(byte b) => ByteToChar[b];

    /// <summary>
    /// The 256 characters in the order of the first 256 entries of CLIP's vocabulary: the bytes that
    /// stand for themselves first, then the remapped ones (U+0100 upwards).
    /// </summary>
    public static IReadOnlyList<char> VocabularyOrder { get; } =
        [.. ByteToChar.Where(c => c < 256).Order(), .. ByteToChar.Where(c => c >= 256).Order()];

    /// <summary>UTF-8 bytes of <paramref name="text"/> as alphabet characters.</summary>
    public static string Encode(string text) => new(System.Text.Encoding.UTF8.GetBytes(text).Select(Char).ToArray());

    /// <summary>Alphabet characters back to text (invalid UTF-8 becomes U+FFFD, as openai's decode with errors="replace").</summary>
    public static string Decode(string symbols)
    {
        var bytes = new List<byte>(symbols.Length);
        foreach (char c in symbols)
            if (CharToByte.TryGetValue(c, out byte b)) bytes.Add(b);
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }
}
