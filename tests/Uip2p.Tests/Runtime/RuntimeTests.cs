using TorchSharp;
using Uip2p.Runtime;
using static TorchSharp.torch;

namespace Uip2p.Tests.Runtime;

public class RuntimeTests
{
    [Fact]
    public void TorchSharp_loads_and_computes()
    {
        TorchRuntime.EnsureLoaded();
        Assert.Equal(6f, ones(2, 3).sum().item<float>());
        Assert.StartsWith("2.10", TorchRuntime.LibTorchVersion);
        Assert.Equal("0.107.0", TorchRuntime.TorchSharpVersion);
        Assert.Equal("cpu", TorchRuntime.Backend);
        Assert.Contains("runtimes", TorchRuntime.NativeLocation);
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("cpu", "cpu")]
    [InlineData(" CPU ", "cpu")]
    public void Device_names_parse(string text, string? expected)
    {
        Assert.Equal(expected, Devices.Parse(text)?.ToString());
    }

    [Theory]
    [InlineData("gpu", "not known")]
    [InlineData("cuda:x", "must be a number")]
    [InlineData("cuda", "not available")]
    [InlineData("cuda:1", "not available")]
    public void Bad_or_unavailable_devices_are_explained(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Devices.Parse(text));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Automatic_device_is_the_cpu_here()
    {
        Assert.Equal(DeviceType.CPU, Devices.Auto().type);
    }
}

/// <summary>
/// Tests of process-wide torch state run alone: any test drawing random numbers in parallel would consume
/// the global generator, and resizing LibTorch's thread pool while other tests compute is not safe.
/// </summary>
[CollectionDefinition("global random", DisableParallelization = true)]
public sealed class GlobalRandomCollection;

[Collection("global random")]
public class ThreadCountTests
{
    [Fact]
    public void Thread_count_can_be_set()
    {
        int before = Devices.Threads;
        try
        {
            Devices.Threads = 1;
            Assert.Equal(1, Devices.Threads);
            Assert.Throws<ArgumentOutOfRangeException>(() => Devices.Threads = 0);
        }
        finally { Devices.Threads = before; }
    }
}

[Collection("global random")]
public class SeedingTests
{
    [Fact]
    public void Seeding_makes_torch_and_dotnet_random_repeatable()
    {
        var r1 = Seeding.SeedEverything(1234);
        var a = rand(5).data<float>().ToArray();
        int x = r1.Next();
        var r2 = Seeding.SeedEverything(1234);
        var b = rand(5).data<float>().ToArray();
        Assert.Equal(a, b);
        Assert.Equal(x, r2.Next());
        Seeding.SeedEverything(4321);
        Assert.NotEqual(a, rand(5).data<float>().ToArray());

        using var g1 = Seeding.Generator(7);
        using var g2 = Seeding.Generator(7);
        Assert.Equal(randn(4, generator: g1).data<float>().ToArray(), randn(4, generator: g2).data<float>().ToArray());
    }
}
