using System.CommandLine;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace Uip2p.Cli;

/// <summary>
/// Turns the errors a user can cause (bad options, paths, files) into one plain line on stderr and exit code 2;
/// an interruption into exit code 130. No .NET exception text, type names or stack traces (UIP2P_DEBUG=1 adds the stack).
/// </summary>
static partial class CliErrors
{
    public static int Run(Func<int> body)
    {
        // Every tensor a verb makes outside an inner scope belongs to this one: TorchSharp's finalizer must never
        // free a temporary while a native call still reads it (README "Test-host crashes and NaNs").
        using var tensors = TorchSharp.torch.NewDisposeScope();
        try
        {
            return body();
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (Debug) Console.Error.WriteLine(e);
            return 2;
        }
        catch (OperationCanceledException e)
        {
            Console.Error.WriteLine($"interrupted: {e.Message}");
            return 130;
        }
    }

    static bool Debug => Environment.GetEnvironmentVariable("UIP2P_DEBUG") == "1";

    /// <summary>
    /// Parse errors in our words: System.CommandLine names the .NET type it failed to convert to ("as expected type
    /// 'System.Int32'"); we say what the option takes. Returns the exit code (2), having printed one line per error.
    /// </summary>
    public static int ReportParseErrors(ParseResult result)
    {
        foreach (var error in result.Errors)
        {
            string message = error.Message;
            var m = CannotParse().Match(message);
            if (m.Success) message = $"{m.Groups["option"].Value} '{m.Groups["value"].Value}': must be {Takes(m.Groups["type"].Value)}.";
            Console.Error.WriteLine($"error: {message}");
        }
        string verb = string.Join(' ', result.CommandResult.Command.Parents.OfType<Command>().Reverse().Skip(1).Select(c => c.Name).Append(result.CommandResult.Command.Name));
        Console.Error.WriteLine($"(see: uip2p {(verb == "uip2p" ? "" : verb + " ")}--help)");
        return 2;
    }

    static string Takes(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "an integer",
        "System.Double" or "System.Single" or "System.Nullable`1[System.Double]" => "a number",
        "System.Boolean" => "true or false",
        "System.Int32[]" => "a list of integers",
        _ => "a value of another kind",
    };

    [GeneratedRegex(@"Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
