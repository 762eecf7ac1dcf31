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

    /// <summary>Checks --device and --threads without loading anything (each verb calls this among its first checks).</summary>
    public static void Validate(ParseResult result)
    {
        string device = result.GetValue(Device) ?? "auto";
        if (device is not ("auto" or "cpu" or "cuda") && !System.Text.RegularExpressions.Regex.IsMatch(device, @"^cuda:\d+$"))
            throw new UsageException($"--device '{device}': must be auto, cpu, cuda or cuda:N.");
        if (result.GetValue(Threads) is { } n) Check.Range("--threads", n, 1, 1024);
    }

    /// <summary>Loads TorchSharp and applies --device and --threads.</summary>
    public static void Apply(ParseResult result)
    {
        Validate(result);
        TorchRuntime.EnsureLoaded();
        Devices.Override = Devices.Parse(result.GetValue(Device) ?? "auto");
        if (result.GetValue(Threads) is { } n) Devices.Threads = n;
    }
}
