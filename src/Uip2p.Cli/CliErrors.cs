using Spectre.Console;

namespace Uip2p.Cli;

/// <summary>Turns the errors a user can cause (bad paths, files, options) into one clear line and exit code 2.</summary>
static class CliErrors
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException or InvalidDataException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            if (Environment.GetEnvironmentVariable("UIP2P_DEBUG") == "1") AnsiConsole.WriteException(e);
            return 2;
        }
    }
}
