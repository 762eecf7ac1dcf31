using System.Text.Json;
using Uip2p.Checkpoints;
using static TorchSharp.torch;

namespace Uip2p.Tests.Checkpoints;

/// <summary>Our safetensors writer and reader: the file layout of the format and exact round trips of every dtype.</summary>
public class SafetensorsFileTests
{
    [Fact]
    public void Every_dtype_round_trips_bit_exactly_in_the_reference_layout()
    {
        using var dir = new TempDir();
        var tensors = new Dictionary<string, Tensor>
        {
            ["b.f32"] = randn(3, 4), ["a.f16"] = randn(5).to(ScalarType.Float16), ["c.bf16"] = randn(2, 2).to(ScalarType.BFloat16),
            ["d.i64"] = tensor(new long[] { -1, 1L << 40 }), ["e.bool"] = tensor(new[] { true, false, true }), ["f.u8"] = tensor(new byte[] { 0, 255 }),
            ["g.empty"] = zeros(0, 3), ["h.f64"] = tensor(new[] { Math.PI }),
        };
        string path = dir.File("t.safetensors");
        SafetensorsFile.Save(path, tensors);

        var bytes = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, headerLength % 8);   // data 8-byte aligned, as the reference writer pads
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        long expectedOffset = 0;
        foreach (var entry in header.RootElement.EnumerateObject().OrderBy(e => e.Value.GetProperty("data_offsets")[0].GetInt64()))
        {
            Assert.Equal(expectedOffset, entry.Value.GetProperty("data_offsets")[0].GetInt64());
            expectedOffset = entry.Value.GetProperty("data_offsets")[1].GetInt64();
        }
        Assert.Equal(bytes.Length - 8 - headerLength, expectedOffset);
        Assert.Equal("BF16", header.RootElement.GetProperty("c.bf16").GetProperty("dtype").GetString());

        var loaded = SafetensorsFile.Load(path);
        Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.dtype, loaded[name].dtype);
            Assert.Equal(t.shape, loaded[name].shape);
            Assert.Equal(t.bytes.ToArray(), loaded[name].bytes.ToArray());
        }
    }
}
