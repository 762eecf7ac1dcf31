using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Uip2p.Checkpoints;

/// <summary>
/// Reads and writes <c>*.safetensors</c> files (an 8-byte header length, a JSON header of dtype/shape/byte
/// range per tensor, then the raw little-endian bytes). Our own few lines rather than TorchSharp.PyBridge:
/// PyBridge is built against TorchSharp 0.103, and the notebook kernel's script loader does not unify that
/// reference with the loaded 0.107 — it loads TorchSharp a second time and every call fails with
/// MissingMethodException (DESIGN §4-style trap, found running notebook 01). The header is checked
/// first — length, JSON, dtypes, shapes against byte ranges, ranges inside the file — so a truncated or
/// foreign file is an error naming the file and the key, never a crash in native code.
/// Sharded checkpoints (<c>*.safetensors.index.json</c> with a <c>weight_map</c>) read as one dictionary.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>The format's dtype names with their torch type and element size.</summary>
    static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F64"] = (ScalarType.Float64, 8), ["F32"] = (ScalarType.Float32, 4), ["F16"] = (ScalarType.Float16, 2), ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8), ["I32"] = (ScalarType.Int32, 4), ["I16"] = (ScalarType.Int16, 2), ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1), ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Name → (dtype, shape) of every tensor, read from the header only.</summary>
    public static Dictionary<string, (string DType, long[] Shape)> ReadHeader(string path) => ReadHeader(path, out _, out _);

    static Dictionary<string, (string DType, long[] Shape)> ReadHeader(string path, out long dataStart, out Dictionary<string, (long Begin, long End)> ranges)
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
        dataStart = 8 + headerLength;
        ranges = [];

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
                if (!DTypes.TryGetValue(dtype, out var known))
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' has unsupported dtype '{dtype}'.");
                long[] shape = e.TryGetProperty("shape", out var s) ? s.EnumerateArray().Select(x => x.GetInt64()).ToArray()
                    : throw new InvalidDataException($"{path}: tensor '{entry.Name}' has no shape.");
                long[] offsets = e.TryGetProperty("data_offsets", out var o) ? o.EnumerateArray().Select(x => x.GetInt64()).ToArray() : [];
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' has invalid data_offsets.");
                if (offsets[1] > dataLength)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' ends at byte {offsets[1]} of the data but the file holds only {dataLength}: the file is truncated.");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * known.Size;
                if (offsets[1] - offsets[0] != expected)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' declares shape [{string.Join(",", shape)}] ({expected} bytes) but spans {offsets[1] - offsets[0]} bytes.");
                result[entry.Name] = (dtype, shape);
                ranges[entry.Name] = (offsets[0], offsets[1]);
            }
            return result;
        }
    }

    /// <summary>Loads every tensor (on the CPU, in the file's dtype). Accepts a file or a sharded index.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (path.EndsWith(".index.json", StringComparison.Ordinal)) return LoadSharded(path);
        var header = ReadHeader(path, out long dataStart, out var offsets);
        var result = new Dictionary<string, Tensor>();
        try
        {
            using var stream = File.OpenRead(path);
            foreach (var (name, (dtype, shape)) in header)
            {
                var (begin, end) = offsets[name];
                var bytes = new byte[end - begin];
                stream.Position = dataStart + begin;
                stream.ReadExactly(bytes);
                var t = empty(shape, DTypes[dtype].Type);
                if (bytes.Length > 0) t.bytes = bytes;
                result[name] = t;
            }
            return result;
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            foreach (var t in result.Values) t.Dispose();
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
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var contiguous = names.ToDictionary(k => k, k => tensors[k].detach().cpu().contiguous());
        var header = new System.Text.Json.Nodes.JsonObject();
        long offset = 0;
        foreach (string name in names)
        {
            var t = contiguous[name];
            string dtype = DTypes.FirstOrDefault(kv => kv.Value.Type == t.dtype).Key
                ?? throw new ArgumentException($"{path}: tensor '{name}' has dtype {t.dtype}, which safetensors does not store.");
            long length = t.NumberOfElements * t.ElementSize;
            header[name] = new System.Text.Json.Nodes.JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new System.Text.Json.Nodes.JsonArray(t.shape.Select(d => (System.Text.Json.Nodes.JsonNode)d).ToArray()),
                ["data_offsets"] = new System.Text.Json.Nodes.JsonArray(offset, offset + length),
            };
            offset += length;
        }
        var json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        // The data starts 8-byte aligned, as the reference writer pads the header with spaces.
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            stream.Write(BitConverter.GetBytes((long)padded));
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (string name in names)
                if (contiguous[name].NumberOfElements > 0) stream.Write(contiguous[name].bytes);
        });
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
