using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Uip2p.Checkpoints;

/// <summary>
/// Reads and writes <c>*.safetensors</c> files (TorchSharp.PyBridge underneath). The header is checked
/// first — length, JSON, dtypes, shapes against byte ranges, ranges inside the file — so a truncated or
/// foreign file is an error naming the file and the key, never a crash in native code.
/// Sharded checkpoints (<c>*.safetensors.index.json</c> with a <c>weight_map</c>) read as one dictionary.
/// </summary>
public static class SafetensorsFile
{
    static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Name → (dtype, shape) of every tensor, read from the header only.</summary>
    public static Dictionary<string, (string DType, long[] Shape)> ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weight file missing.", path);
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < 8) throw new InvalidDataException($"{path}: {fileLength} bytes, too short to be a safetensors file.");
        var lengthBytes = new byte[8];
        stream.ReadExactly(lengthBytes);
        long headerLength = BitConverter.ToInt64(lengthBytes);
        if (headerLength <= 1 || headerLength > 100_000_000 || 8 + headerLength > fileLength)
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLength} for a file of {fileLength} bytes).");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = fileLength - 8 - headerLength;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a safetensors file (its header is not JSON: {e.Message}).", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: the safetensors header is not a JSON object.");
            var result = new Dictionary<string, (string, long[])>();
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                var e = entry.Value;
                string dtype = e.TryGetProperty("dtype", out var d) ? d.GetString() ?? "" : "";
                if (!DTypeSizes.TryGetValue(dtype, out int size))
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' has unsupported dtype '{dtype}'.");
                long[] shape = e.TryGetProperty("shape", out var s) ? s.EnumerateArray().Select(x => x.GetInt64()).ToArray()
                    : throw new InvalidDataException($"{path}: tensor '{entry.Name}' has no shape.");
                long[] offsets = e.TryGetProperty("data_offsets", out var o) ? o.EnumerateArray().Select(x => x.GetInt64()).ToArray() : [];
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' has invalid data_offsets.");
                if (offsets[1] > dataLength)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' ends at byte {offsets[1]} of the data but the file holds only {dataLength}: the file is truncated.");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * size;
                if (offsets[1] - offsets[0] != expected)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' declares shape [{string.Join(",", shape)}] ({expected} bytes) but spans {offsets[1] - offsets[0]} bytes.");
                result[entry.Name] = (dtype, shape);
            }
            return result;
        }
    }

    /// <summary>Loads every tensor (on the CPU, in the file's dtype). Accepts a file or a sharded index.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (path.EndsWith(".index.json", StringComparison.Ordinal)) return LoadSharded(path);
        ReadHeader(path);
        try
        {
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: could not read the tensors: {e.Message}", e);
        }
    }

    static Dictionary<string, Tensor> LoadSharded(string indexPath)
    {
        if (!File.Exists(indexPath)) throw new FileNotFoundException($"{indexPath}: index file missing.", indexPath);
        Dictionary<string, string> map;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            map = doc.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{indexPath}: not a sharded-checkpoint index (needs a \"weight_map\" object): {e.Message}", e);
        }
        string dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var result = new Dictionary<string, Tensor>();
        foreach (string shard in map.Values.Distinct())
        {
            var tensors = Load(Path.Combine(dir, shard));
            foreach (var (key, value) in tensors)
            {
                if (map.TryGetValue(key, out string? owner) && owner == shard) result[key] = value;
                else value.Dispose();
            }
        }
        var missing = map.Keys.Where(k => !result.ContainsKey(k)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{indexPath}: keys listed in the index are not in their shard: {string.Join(", ", missing.Take(10))}");
        return result;
    }

    /// <summary>Saves tensors atomically (temporary file + rename).</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var contiguous = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
        AtomicFile.Write(path, stream => Safetensors.SaveStateDict(stream, contiguous, leaveOpen: true));
    }

    /// <summary>The weight file of a model folder: <c>model.safetensors</c>, a sharded index, or the single <c>*.safetensors</c> there.</summary>
    public static string FindWeights(string folder, string stem = "model")
    {
        foreach (string name in new[] { $"{stem}.safetensors", $"{stem}.safetensors.index.json", "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.safetensors.index.json" })
        {
            string p = Path.Combine(folder, name);
            if (File.Exists(p)) return p;
        }
        var any = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.safetensors") : [];
        return any.Length == 1 ? any[0] : throw new FileNotFoundException(
            any.Length == 0 ? $"{folder}: no *.safetensors weights (a .bin/.ckpt pickle must be converted first)." : $"{folder}: several *.safetensors files and no index; name the one to load.");
    }
}
