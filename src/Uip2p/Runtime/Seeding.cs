using TorchSharp;

namespace Uip2p.Runtime;

/// <summary>Deterministic seeding of every random source the workbench uses.</summary>
public static class Seeding
{
    /// <summary>The .NET random source seeded by the last <see cref="SeedEverything"/>.</summary>
    public static Random Random { get; private set; } = new(0);

    /// <summary>
    /// Seeds torch's global generators (CPU and, when present, CUDA) and replaces <see cref="Random"/>
    /// with a fresh <see cref="System.Random"/> from the same seed, so a run is repeatable on CPU.
    /// </summary>
    public static Random SeedEverything(long seed)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
        Random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        return Random;
    }

    /// <summary>A torch generator for one component (e.g. a sampler), independent of the global one.</summary>
    public static torch.Generator Generator(long seed, torch.Device? device = null)
    {
        TorchRuntime.EnsureLoaded();
        return new torch.Generator((ulong)seed, device ?? torch.CPU);
    }
}
