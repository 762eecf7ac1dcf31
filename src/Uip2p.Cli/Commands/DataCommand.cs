using System.CommandLine;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p data</c>: bring real datasets in and generate the texts CEC needs.</summary>
static class DataCommand
{
    public static Command Create() => new("data", "Import datasets (InstructPix2Pix, MagicBrush, caption datasets) and generate reverse instructions or edit triplets.")
    {
        DataImportCommand.Create(),
        DataReverseCommand.Create(),
        DataTripletsCommand.Create(),
        DataBenchCommand.Create(),
    };
}
