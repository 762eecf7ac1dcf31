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

/// <summary>
/// A seed derived from parts (numbers and strings) that is the same in every process. .NET's
/// <c>HashCode.Combine</c> and <c>string.GetHashCode</c> are randomised per process, so a data position
/// or a resumed run built on them would not repeat.
/// </summary>
public static class StableSeed
{
    /// <summary>SplitMix64 over the parts (strings enter by their UTF-16 code units), folded to a non-negative int.</summary>
    public static int Of(params object[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts)
        {
            switch (part)
            {
                case string s:
                    foreach (char c in s) h = Mix(h ^ c);
                    h = Mix(h ^ (ulong)s.Length);
                    break;
                case int i: h = Mix(h ^ (ulong)(long)i); break;
                case long l: h = Mix(h ^ (ulong)l); break;
                default: throw new ArgumentException($"StableSeed takes numbers and strings, not {part.GetType().Name}.");
            }
        }
        return (int)(h >> 33);
    }

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
