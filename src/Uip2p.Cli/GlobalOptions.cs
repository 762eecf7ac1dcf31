using System.CommandLine;
using Uip2p.Runtime;

namespace Uip2p.Cli;

/// <summary>Options every verb accepts.</summary>
static class GlobalOptions
{
    public static readonly Option<string> Device = new("--device")
    {
        Description = "Compute device: auto (CUDA if available, else CPU), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => "auto",
        Recursive = true,
    };

    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = "CPU threads for LibTorch (default: LibTorch's choice, usually the number of cores).",
        Recursive = true,
    };

    /// <summary>Loads TorchSharp and applies --device and --threads.</summary>
    public static void Apply(ParseResult result)
    {
        TorchRuntime.EnsureLoaded();
        Devices.Override = Devices.Parse(result.GetValue(Device) ?? "auto");
        if (result.GetValue(Threads) is { } n) Devices.Threads = n;
    }
}
