namespace Uip2p.Cli.Commands;

/// <summary>Range checks for options, failing with one line that names the option, the value and what is allowed.</summary>
static class OptionChecks
{
    public static int Range(string option, int value, int min, int max) =>
        value >= min && value <= max ? value : throw new ArgumentException($"{option} {value}: must be between {min} and {max}.");

    public static double Range(string option, double value, double min, double max) =>
        double.IsFinite(value) && value >= min && value <= max ? value : throw new ArgumentException($"{option} {value}: must be between {min} and {max}.");

    public static string Choice(string option, string value, IReadOnlyList<string> choices) =>
        choices.Contains(value) ? value : throw new ArgumentException($"{option} {value}: choose one of {string.Join(", ", choices)}.");

    public static string Folder(string option, string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{option} {path}: no such folder.");
        return path;
    }
}
