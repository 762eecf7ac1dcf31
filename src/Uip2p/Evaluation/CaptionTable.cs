using System.Text.Json;

namespace Uip2p.Evaluation;

/// <summary>
/// Captions by session and file name, as MagicBrush's <c>local_descriptions.json</c> / <c>global_descriptions.json</c>
/// hold them (<c>{session: {file: caption}}</c>). A missing caption is an error naming the file, the session and the key.
/// </summary>
public sealed class CaptionTable(string source, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> captions)
{
    /// <summary>Where the captions came from (a file path or a description).</summary>
    public string Source { get; } = source;

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Captions { get; } = captions;

    public string Get(string session, string file)
    {
        if (!Captions.TryGetValue(session, out var files))
            throw new InvalidDataException($"{Source}: no captions for session '{session}'.");
        if (!files.TryGetValue(file, out var caption))
            throw new InvalidDataException($"{Source}: session '{session}' has no caption for '{file}'.");
        return caption;
    }

    /// <summary>Reads a <c>{session: {file: caption}}</c> JSON file; anything else is an error naming the file and the entry.</summary>
    public static CaptionTable Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: caption file missing.", path);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message}).", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected an object {{session: {{file: caption}}}}.");
            var result = new Dictionary<string, IReadOnlyDictionary<string, string>>();
            foreach (var session in doc.RootElement.EnumerateObject())
            {
                if (session.Value.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: session '{session.Name}' is not an object {{file: caption}}.");
                var files = new Dictionary<string, string>();
                foreach (var file in session.Value.EnumerateObject())
                    files[file.Name] = file.Value.ValueKind == JsonValueKind.String ? file.Value.GetString()!
                        : throw new InvalidDataException($"{path}: session '{session.Name}' file '{file.Name}': the caption is not a string.");
                result[session.Name] = files;
            }
            return new CaptionTable(path, result);
        }
    }
}
