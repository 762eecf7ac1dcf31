using System.Reflection;
using System.Text.RegularExpressions;

namespace Uip2p.Data.Generation;

/// <summary>
/// A prompt the user can edit: a text file whose part before a line <c>---</c> is the system message and
/// whose rest is the user message, with <c>{placeholder}</c>s filled per record. The shipped defaults are
/// <c>configs/prompts/reverse.txt</c> and <c>triplets.txt</c> (embedded, so the tool works from anywhere).
/// </summary>
public sealed partial class PromptTemplate
{
    PromptTemplate(string name, string system, string user)
    {
        Name = name;
        System = system.Trim();
        User = user.Trim();
    }

    public string Name { get; }
    public string System { get; }
    public string User { get; }

    public static PromptTemplate Parse(string text, string name, IReadOnlyList<string> required)
    {
        var parts = Regex.Split(text.Replace("\r\n", "\n"), @"^---[ \t]*$", RegexOptions.Multiline);
        var prompt = parts.Length >= 2 ? new PromptTemplate(name, parts[0], string.Join("---", parts[1..])) : new PromptTemplate(name, "", parts[0]);
        var used = Placeholder().Matches(prompt.System + prompt.User).Select(m => m.Groups[1].Value).ToHashSet();
        var missing = required.Where(r => !used.Contains(r)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{name}: the prompt does not use {string.Join(", ", missing.Select(m => "{" + m + "}"))}; the model would not see those texts.");
        var unknown = used.Where(u => !Known.Contains(u)).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"{name}: unknown placeholder {string.Join(", ", unknown.Select(u => "{" + u + "}"))}; known: {string.Join(", ", Known.Select(k => "{" + k + "}"))}.");
        return prompt;
    }

    static readonly string[] Known = ["input_caption", "edit_instruction", "edited_caption", "edit_kind", "edit_kind_description"];

    public static PromptTemplate Load(string path, IReadOnlyList<string> required)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--prompt {path}: no such file.", path);
        return Parse(File.ReadAllText(path), path, required);
    }

    /// <summary>The shipped default prompt (<c>reverse</c> or <c>triplets</c>).</summary>
    public static PromptTemplate Default(string task, IReadOnlyList<string> required)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Uip2p.prompts.{task}.txt")
                           ?? throw new InvalidOperationException($"the default prompt '{task}' is not embedded in this build.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), $"configs/prompts/{task}.txt", required);
    }

    /// <summary>System and user message with the placeholders filled.</summary>
    public (string System, string User) Render(IReadOnlyDictionary<string, string> values)
    {
        string Fill(string t) => Placeholder().Replace(t, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        return (Fill(System), Fill(User));
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
