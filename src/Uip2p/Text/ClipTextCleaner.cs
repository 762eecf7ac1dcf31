using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Uip2p.Text;

/// <summary>
/// openai/CLIP's text cleaning: <c>whitespace_clean(basic_clean(text)).lower()</c>, where
/// <c>basic_clean</c> = <c>ftfy.fix_text</c>, <c>html.unescape</c> twice, strip. The ftfy part is the
/// subset of ftfy 6's default fixes that web captions need: mojibake (UTF-8 read as Windows-1252),
/// C1 controls, HTML entities (when the text holds no tag), Latin ligatures, full/half-width forms,
/// curly quotes, line breaks, control characters, NFC.
/// </summary>
public static partial class ClipTextCleaner
{
    /// <summary>The full cleaning CLIP applies before tokenizing (lower-cased).</summary>
    public static string Clean(string text)
    {
        string s = FixText(text);
        s = WebUtility.HtmlDecode(WebUtility.HtmlDecode(s)).Trim();
        return CollapseWhitespace(s).ToLowerInvariant();
    }

    /// <summary><c>re.sub(r"\s+", " ", text).strip()</c>.</summary>
    public static string CollapseWhitespace(string text) => Whitespace().Replace(text, " ").Trim();

    /// <summary>The ftfy subset (see the class summary), in ftfy's order.</summary>
    public static string FixText(string text)
    {
        string s = text;
        // ftfy's unescape_html="auto": unescape unless the text looks like it holds HTML tags.
        if (!s.Contains('<')) s = WebUtility.HtmlDecode(s);
        s = FixMojibake(s);
        s = FixC1Controls(s);
        s = FixLatinLigatures(s);
        s = FixCharacterWidth(s);
        s = UncurlQuotes(s);
        s = s.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n').Replace('\u0085', '\n');
        s = RemoveControlChars(s);
        return s.Normalize(NormalizationForm.FormC);
    }

    // Windows-1252's bytes 0x80–0x9F (the rest of the single bytes equal Latin-1's code points).
    static readonly Dictionary<char, byte> Cp1252High = new()
    {
        ['€'] = 0x80, ['‚'] = 0x82, ['ƒ'] = 0x83, ['„'] = 0x84, ['…'] = 0x85, ['†'] = 0x86, ['‡'] = 0x87, ['ˆ'] = 0x88,
        ['‰'] = 0x89, ['Š'] = 0x8A, ['‹'] = 0x8B, ['Œ'] = 0x8C, ['Ž'] = 0x8E, ['‘'] = 0x91, ['’'] = 0x92, ['“'] = 0x93,
        ['”'] = 0x94, ['•'] = 0x95, ['–'] = 0x96, ['—'] = 0x97, ['˜'] = 0x98, ['™'] = 0x99, ['š'] = 0x9A, ['›'] = 0x9B,
        ['œ'] = 0x9C, ['ž'] = 0x9E, ['Ÿ'] = 0x9F,
    };

    static bool TryCp1252Byte(char c, out byte b)
    {
        if (c < 0x80 || (c >= 0xA0 && c <= 0xFF) || (c >= 0x80 && c <= 0x9F)) { b = (byte)c; return c <= 0xFF; }
        return Cp1252High.TryGetValue(c, out b);
    }

    /// <summary>
    /// Re-decodes runs that are UTF-8 bytes shown as Windows-1252/Latin-1 ("Ã©" → "é"). A run is
    /// replaced only when its bytes are valid UTF-8, so ordinary accented text is left alone.
    /// </summary>
    public static string FixMojibake(string text)
    {
        bool fixedSome = false;
        string result = Mojibake().Replace(text, m =>
        {
            string fixedRun = Redecode(m.Value, m.Value);
            fixedSome |= fixedRun != m.Value;
            return fixedRun;
        });
        // ftfy's restore_byte_a0: in text that had mojibake, "Ã " is "à" whose 0xA0 byte became a space.
        return fixedSome ? LeadThenSpace().Replace(result, m => Redecode(m.Value[0] + "\u00A0", m.Value)) : result;
    }

    static string Redecode(string run, string original)
    {
        var bytes = new byte[run.Length];
        for (int i = 0; i < run.Length; i++)
            if (!TryCp1252Byte(run[i], out bytes[i])) return original;
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return original;
        }
    }

    static string FixC1Controls(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c >= 0x80 && c <= 0x9F)
            {
                var found = Cp1252High.FirstOrDefault(kv => kv.Value == c);
                sb.Append(found.Key != default ? found.Key : c);
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    static string FixLatinLigatures(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c is '\u0132' or '\u0133' or '\u0149' or (>= '\u01C4' and <= '\u01CC') or (>= '\uFB00' and <= '\uFB06'))
                sb.Append(c.ToString().Normalize(NormalizationForm.FormKC));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    static string FixCharacterWidth(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            // Full-width ASCII and half-width Katakana/Hangul forms; the ideographic space stays.
            if (c >= '\uFF01' && c <= '\uFFEE') sb.Append(c.ToString().Normalize(NormalizationForm.FormKC));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    static string UncurlQuotes(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            sb.Append(c switch
            {
                '\u2018' or '\u2019' or '\u201A' or '\u201B' => '\'',
                '\u201C' or '\u201D' or '\u201E' or '\u201F' => '"',
                _ => c,
            });
        return sb.ToString();
    }

    static string RemoveControlChars(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            bool drop = c is (>= '\u0000' and <= '\u0008') or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F'
                or (>= '\u206A' and <= '\u206F') or '\uFEFF' or (>= '\uFFF9' and <= '\uFFFC');
            if (!drop) sb.Append(c);
        }
        return sb.ToString();
    }

    [GeneratedRegex("[\u00C2-\u00DF] ")]
    private static partial Regex LeadThenSpace();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // A UTF-8 lead byte (0xC2–0xF4 as a Windows-1252 character) followed by continuation bytes
    // (0x80–0xBF, which Windows-1252 shows as these characters).
    [GeneratedRegex("[\u00C2-\u00F4][\u0080-\u00BF\u20AC\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u017D\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u017E\u0178]+")]
    private static partial Regex Mojibake();
}
