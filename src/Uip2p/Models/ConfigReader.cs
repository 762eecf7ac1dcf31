using System.Text.Json;

namespace Uip2p.Models;

/// <summary>
/// Reads a Hugging Face-style <c>config.json</c> with errors that name the file and the key:
/// wrong types, impossible sizes and unknown architectures are refused before a model is built.
/// </summary>
public sealed class ConfigReader
{
    readonly JsonElement _root;

    public ConfigReader(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: a config must be a JSON object.");
        _root = root;
        Source = source;
    }

    /// <summary>Where the config came from (file path, or path + section).</summary>
    public string Source { get; }

    public static ConfigReader FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config file missing.", path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true });
            return new ConfigReader(doc.RootElement.Clone(), path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
    }

    public static ConfigReader FromJson(string json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        return new ConfigReader(doc.RootElement.Clone(), source);
    }

    public bool Has(string key) => _root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>A nested object (e.g. <c>text_config</c>), or an empty one when absent.</summary>
    public ConfigReader Section(string key) =>
        _root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Object
            ? new ConfigReader(v, $"{Source} [{key}]")
            : new ConfigReader(JsonDocument.Parse("{}").RootElement.Clone(), $"{Source} [{key}]");

    /// <summary>A positive integer (sizes, counts).</summary>
    public int Int(string key, int? fallback = null, int min = 1)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return fallback ?? throw new InvalidDataException($"{Source}: required key '{key}' is missing.");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n))
            throw new InvalidDataException($"{Source}: '{key}' must be an integer, got {v}.");
        if (n < min) throw new InvalidDataException($"{Source}: '{key}' = {n} is impossible (must be ≥ {min}).");
        return n;
    }

    public double Double(string key, double fallback)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new InvalidDataException($"{Source}: '{key}' must be a number, got {v}.");
    }

    public string String(string key, string fallback)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new InvalidDataException($"{Source}: '{key}' must be a string, got {v}.");
    }

    public bool Bool(string key, bool fallback)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw new InvalidDataException($"{Source}: '{key}' must be true or false, got {v}.");
    }

    /// <summary>An integer array, or one integer repeated <paramref name="count"/> times (diffusers allows both).</summary>
    public int[] Ints(string key, int count, int[]? fallback = null)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return fallback ?? throw new InvalidDataException($"{Source}: required key '{key}' is missing.");
        if (v.ValueKind == JsonValueKind.Number) return Enumerable.Repeat(Int(key), count).ToArray();
        if (v.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{Source}: '{key}' must be an integer or a list of integers.");
        var values = v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out int n) && n > 0 ? n
            : throw new InvalidDataException($"{Source}: '{key}' holds {x}, not a positive integer.")).ToArray();
        return count < 0 || values.Length == count ? values
            : throw new InvalidDataException($"{Source}: '{key}' has {values.Length} entries, expected {count}.");
    }

    public string[] Strings(string key, string[]? fallback = null)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return fallback ?? throw new InvalidDataException($"{Source}: required key '{key}' is missing.");
        if (v.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{Source}: '{key}' must be a list of strings.");
        return v.EnumerateArray().Select(x => x.GetString() ?? "").ToArray();
    }

    /// <summary>Fails unless <c>architectures</c> (when present) names one of <paramref name="known"/>.</summary>
    public string? Architecture(params string[] known)
    {
        if (!Has("architectures")) return null;
        var names = Strings("architectures");
        return names.FirstOrDefault(known.Contains)
            ?? throw new InvalidDataException($"{Source}: architecture {string.Join(", ", names)} is not supported here (expected one of {string.Join(", ", known)}).");
    }

    /// <summary>Checks that <paramref name="size"/> splits into <paramref name="heads"/> heads.</summary>
    public void CheckDivisible(int size, int heads, string sizeKey, string headsKey)
    {
        if (size % heads != 0)
            throw new InvalidDataException($"{Source}: '{sizeKey}' = {size} is not divisible by '{headsKey}' = {heads}.");
    }
}
