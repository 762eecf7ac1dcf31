using TorchSharp;

namespace Uip2p.Runtime;

/// <summary>
/// Which device the workbench computes on. <c>auto</c> picks CUDA when the loaded backend sees a GPU,
/// else the CPU; <c>cpu</c>, <c>cuda</c> and <c>cuda:N</c> force a choice.
/// </summary>
public static class Devices
{
    static torch.Device? _override;

    /// <summary>The explicit choice (null = automatic). Set from the CLI's <c>--device</c> or a notebook.</summary>
    public static torch.Device? Override
    {
        get => _override;
        set => _override = value;
    }

    /// <summary>The device computations should use now.</summary>
    public static torch.Device Default => _override ?? Auto();

    /// <summary>CUDA:0 when available, else CPU.</summary>
    public static torch.Device Auto()
    {
        TorchRuntime.EnsureLoaded();
        return torch.cuda.is_available() ? new torch.Device(DeviceType.CUDA, 0) : torch.CPU;
    }

    /// <summary>
    /// Parses <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. Asking for CUDA where none is usable
    /// is an error that says what is missing, not a silent fallback.
    /// </summary>
    public static torch.Device? Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        if (s is "auto" or "") return null;
        if (s == "cpu") return torch.CPU;
        if (s == "cuda" || s.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (s.Length > 4 && !int.TryParse(s.AsSpan(5), out index))
                throw new ArgumentException($"Device '{text}': the GPU index after 'cuda:' must be a number.");
            TorchRuntime.EnsureLoaded();
            if (!torch.cuda.is_available())
                throw new ArgumentException(
                    $"Device '{text}' asked for, but CUDA is not available to this build (backend: {TorchRuntime.Backend}). " +
                    "Build with -p:TorchBackend=cuda on a machine with an NVIDIA driver, or use --device cpu.");
            int count = torch.cuda.device_count();
            if (index < 0 || index >= count)
                throw new ArgumentException($"Device '{text}': this machine has {count} CUDA device(s), index {index} does not exist.");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{text}' is not known; use auto, cpu, cuda or cuda:N.");
    }

    /// <summary>Number of intra-op CPU threads LibTorch uses.</summary>
    public static int Threads
    {
        get { TorchRuntime.EnsureLoaded(); return torch.get_num_threads(); }
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "Thread count must be at least 1.");
            TorchRuntime.EnsureLoaded();
            torch.set_num_threads(value);
        }
    }
}
