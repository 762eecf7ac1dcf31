using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Uip2p.IO;

/// <summary>
/// Settings records as snake_case JSON (training configs, pretraining settings): one <c>key=value</c> override
/// parser for <c>--set</c>, and a check of a JSON object against the record's properties that names the key and
/// says in words what it takes ("an integer", "one of cec, supervised") — never a .NET type name — with a
/// "did you mean" for a mistyped key. Run before deserialising, so the serializer's own messages never reach a user.
/// </summary>
public static class JsonSettings
{
    public static string KeyOf(PropertyInfo p) => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name);

    static Dictionary<string, PropertyInfo> Keys(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0).ToDictionary(KeyOf);

    /// <summary>Applies <c>key=value</c> (dotted keys reach nested settings; the value is JSON if it parses, else a string).</summary>
    public static void Override(JsonObject root, string assignment, Type type, string option = "--set")
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"{option} '{assignment}': expected key=value (e.g. steps=100).");
        string[] path = assignment[..eq].Trim().Split('.');
        string text = assignment[(eq + 1)..].Trim();
        JsonNode? value;
        try { value = JsonNode.Parse(text); }
        catch (JsonException) { value = JsonValue.Create(text); }
        var target = root;
        var t = type;
        for (int i = 0; i < path.Length; i++)
        {
            var keys = Keys(t);
            string dotted = string.Join('.', path[..(i + 1)]);
            if (!keys.TryGetValue(path[i], out var property))
                throw new ArgumentException($"{option} '{assignment}': '{dotted}' is not a setting{DidYouMeanKey(path[i], keys.Keys)}.");
            if (i == path.Length - 1)
            {
                target[path[i]] = value;
                break;
            }
            if (!IsObject(property.PropertyType)) throw new ArgumentException($"{option} '{assignment}': '{dotted}' takes {Describe(property.PropertyType)}, it has no keys inside.");
            if (target[path[i]] is not JsonObject child) target[path[i]] = child = [];
            target = child;
            t = property.PropertyType;
        }
    }

    /// <summary>Checks every key and value of <paramref name="root"/> against <paramref name="type"/>'s settings.</summary>
    public static void Validate(JsonObject root, Type type, string source, string prefix = "")
    {
        var keys = Keys(type);
        foreach (var (key, node) in root)
        {
            string dotted = prefix + key;
            if (!keys.TryGetValue(key, out var property))
                throw new InvalidDataException($"{source}: '{dotted}' is not a setting{DidYouMeanKey(key, keys.Keys)}.");
            if (!Fits(node, property.PropertyType, IsNullable(property)))
                throw new InvalidDataException($"{source}: '{dotted}' takes {Describe(property.PropertyType, IsNullable(property))}, not {Shown(node)}.");
            if (node is JsonObject child && IsObject(property.PropertyType)) Validate(child, property.PropertyType, source, dotted + ".");
        }
    }

    /// <summary>Copies every key of <paramref name="from"/> into <paramref name="into"/>, merging nested objects.</summary>
    public static void Merge(JsonObject into, JsonObject from)
    {
        foreach (var (key, node) in from.ToList())
        {
            if (node is JsonObject child && into[key] is JsonObject existing) Merge(existing, child);
            else into[key] = node?.DeepClone();
        }
    }

    static string DidYouMeanKey(string key, IEnumerable<string> keys) =>
        Uip2p.Text.DidYouMean.Closest(key, keys) is { } c ? $" (did you mean '{c}'?)" : $" (settings: {string.Join(", ", keys)})";

    static bool IsNullable(PropertyInfo p) =>
        Nullable.GetUnderlyingType(p.PropertyType) != null || new NullabilityInfoContext().Create(p).WriteState == NullabilityState.Nullable;

    static bool IsObject(Type t) => t.IsClass && t != typeof(string) && !t.IsArray;

    static bool IsInteger(Type t) => t == typeof(int) || t == typeof(long) || t == typeof(short);

    static bool Fits(JsonNode? node, Type type, bool nullable)
    {
        if (node is null) return nullable;
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return node switch
        {
            JsonObject => IsObject(t),
            JsonArray array => t.IsArray && array.All(e => Fits(e, t.GetElementType()!, false)),
            JsonValue v when t == typeof(bool) => v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            JsonValue v when t == typeof(string) => v.GetValueKind() == JsonValueKind.String,
            JsonValue v when t.IsEnum => v.GetValueKind() == JsonValueKind.String && EnumNames(t).Contains(v.GetValue<string>()),
            JsonValue v when IsInteger(t) => v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long _),
            JsonValue v when t == typeof(double) || t == typeof(float) => v.GetValueKind() == JsonValueKind.Number,
            _ => false,
        };
    }

    static IEnumerable<string> EnumNames(Type t) => Enum.GetNames(t).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName);

    /// <summary>What a setting takes, in words.</summary>
    public static string Describe(Type type, bool nullable = false)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        string what =
            IsInteger(t) ? "an integer" :
            t == typeof(double) || t == typeof(float) ? "a number" :
            t == typeof(bool) ? "true or false" :
            t == typeof(string) ? "a string" :
            t.IsEnum ? $"one of {string.Join(", ", EnumNames(t))}" :
            t.IsArray ? $"a list of {Plural(Describe(t.GetElementType()!))}" :
            $"an object with the keys {string.Join(", ", Keys(t).Keys)}";
        return nullable ? what + " or null" : what;
    }

    static string Plural(string one) => one switch
    {
        "an integer" => "integers", "a number" => "numbers", "a string" => "strings", "true or false" => "true/false values", _ => one,
    };

    static string Shown(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"'{v.GetValue<string>()}'",
        JsonObject => "an object",
        _ => node.ToJsonString(),
    };
}
