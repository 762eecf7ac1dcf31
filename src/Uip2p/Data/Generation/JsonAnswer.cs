using System.Text.Json;
using System.Text.RegularExpressions;

namespace Uip2p.Data.Generation;

/// <summary>
/// Validates a model's answer against the task's schema: one JSON object whose required fields are
/// non-empty strings. A fenced block (<c>```json … ```</c>), which some servers add even when asked for
/// JSON, is unwrapped; anything else that is not the object is an error that names what was wrong.
/// </summary>
public static partial class JsonAnswer
{
    public static Dictionary<string, string> Parse(string? text, IReadOnlyList<string> fields)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException("the answer is empty");
        string body = text.Trim();
        if (Fence().Match(body) is { Success: true } m) body = m.Groups[1].Value.Trim();
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body); }
        catch (JsonException e) { throw new FormatException($"the answer is not JSON ({e.Message.Split('.')[0]}): {Clip(body)}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException($"the answer is JSON but not an object: {Clip(body)}");
            var result = new Dictionary<string, string>();
            foreach (string f in fields)
            {
                if (!doc.RootElement.TryGetProperty(f, out var v)) throw new FormatException($"the answer has no '{f}': {Clip(body)}");
                if (v.ValueKind != JsonValueKind.String) throw new FormatException($"'{f}' is a {v.ValueKind.ToString().ToLowerInvariant()}, not a string");
                string s = v.GetString()!.Trim();
                if (s.Length == 0) throw new FormatException($"'{f}' is empty");
                result[f] = s;
            }
            return result;
        }
    }

    static string Clip(string s) => s.Length <= 120 ? s : s[..120] + "…";

    [GeneratedRegex(@"^```(?:json)?\s*(.*?)\s*```$", RegexOptions.Singleline)]
    private static partial Regex Fence();
}
