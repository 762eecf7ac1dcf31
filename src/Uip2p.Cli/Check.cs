using Uip2p.Text;

namespace Uip2p.Cli;

/// <summary>A bad option value, found before any work started: one plain line naming the option, the value and what is allowed.</summary>
sealed class UsageException(string message) : ArgumentException(message);

/// <summary>
/// Checks of option values that every verb runs first, before loading a model or touching a file: cheap checks
/// come before expensive work, so a typo costs nothing. Each returns the value it checked.
/// </summary>
static class Check
{
    public static int Range(string option, int value, int min, int max, string? why = null) =>
        value >= min && value <= max ? value
            : throw new UsageException($"{option} {value}: must be {Between(min, max)}{(why is null ? "" : $" ({why})")}.");

    public static double Range(string option, double value, double min, double max, bool minExclusive = false) =>
        double.IsFinite(value) && (minExclusive ? value > min : value >= min) && value <= max ? value
            : throw new UsageException($"{option} {value}: must be {(minExclusive ? "above" : "at least")} {min} and at most {max}.");

    public static double NonNegative(string option, double value) =>
        double.IsFinite(value) && value >= 0 ? value : throw new UsageException($"{option} {value}: must be a finite number ≥ 0.");

    public static string OneOf(string option, string value, params string[] choices) =>
        choices.Contains(value, StringComparer.Ordinal) ? value
            : throw new UsageException($"{option} '{value}': must be one of {string.Join(", ", choices)}{DidYouMean.Suffix(value, choices)}.");

    public static string ExistingFile(string option, string path)
    {
        if (Directory.Exists(path)) throw new UsageException($"{option} {path}: is a folder, expected a file.");
        return File.Exists(path) ? path : throw new UsageException($"{option} {path}: no such file.");
    }

    /// <summary>A <c>NAME=VALUE</c> option value split in two; <paramref name="expected"/> says what was expected.</summary>
    public static (string Name, string Value) NameValue(string option, string value, string expected)
    {
        int eq = value.IndexOf('=');
        if (eq <= 0 || eq == value.Length - 1) throw new UsageException($"{option} {value}: expected {expected}.");
        return (value[..eq], value[(eq + 1)..]);
    }

    public static string ExistingFolder(string option, string path)
    {
        if (File.Exists(path)) throw new UsageException($"{option} {path}: is a file, expected a folder.");
        return Directory.Exists(path) ? path : throw new UsageException($"{option} {path}: no such folder.");
    }

    /// <summary>An output file: its extension is one of <paramref name="extensions"/>, it is not a folder, and its folder exists or can be made.</summary>
    public static string OutputFile(string option, string path, params string[] extensions)
    {
        if (Directory.Exists(path)) throw new UsageException($"{option} {path}: is a folder, expected a file name.");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (extensions.Length > 0 && !extensions.Contains(ext))
            throw new UsageException($"{option} {path}: the file name must end in {string.Join(" or ", extensions)}.");
        WritableFolder(option, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
        return path;
    }

    /// <summary>An output folder: not an existing file, and its parent exists or can be made and is writable.</summary>
    public static string OutputFolder(string option, string path)
    {
        if (File.Exists(path)) throw new UsageException($"{option} {path}: is a file, expected a folder.");
        WritableFolder(option, path, Path.GetFullPath(path));
        return path;
    }

    static void WritableFolder(string option, string given, string folder)
    {
        // The nearest existing ancestor must be a folder we can write to; nothing is created here.
        string? probe = folder;
        while (probe != null && !Directory.Exists(probe))
        {
            if (File.Exists(probe)) throw new UsageException($"{option} {given}: {probe} is a file, so no folder can be made there.");
            probe = Path.GetDirectoryName(probe);
        }
        if (probe is null) throw new UsageException($"{option} {given}: no folder of it exists.");
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root"
            && (File.GetUnixFileMode(probe) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0)
            throw new UsageException($"{option} {given}: {probe} is not writable.");
    }

    static string Between(int min, int max) => max == int.MaxValue ? $"at least {min}" : $"between {min} and {max}";
}
