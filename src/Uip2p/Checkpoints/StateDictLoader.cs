using TorchSharp;
using static TorchSharp.torch;

namespace Uip2p.Checkpoints;

/// <summary>What a load found: keys the model has but the file lacks, keys the file has but the model lacks, and shape mismatches.</summary>
public sealed record LoadReport(string Source, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> Mismatched, int Loaded)
{
    public bool IsClean => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    public override string ToString()
    {
        var parts = new List<string> { $"{Source}: {Loaded} tensors loaded" };
        if (Missing.Count > 0) parts.Add($"{Missing.Count} missing: {List(Missing)}");
        if (Unexpected.Count > 0) parts.Add($"{Unexpected.Count} unexpected: {List(Unexpected)}");
        if (Mismatched.Count > 0) parts.Add($"{Mismatched.Count} with the wrong shape: {List(Mismatched)}");
        return string.Join("; ", parts);
    }

    static string List(IReadOnlyList<string> keys) => string.Join(", ", keys.Take(12)) + (keys.Count > 12 ? $", … ({keys.Count - 12} more)" : "");
}

/// <summary>A checkpoint does not fit the model; the message lists the keys by name.</summary>
public sealed class CheckpointMismatchException(LoadReport report) : IOException(report.ToString())
{
    public LoadReport Report { get; } = report;
}

/// <summary>
/// Copies a state dict into a module, comparing the key sets itself (a non-strict load into a wrong
/// prefix would otherwise load nothing silently, DESIGN §4). Tensors are converted to each parameter's
/// dtype and device, so fp16/bf16 files load into an fp32 model and vice versa.
/// </summary>
public static class StateDictLoader
{
    /// <summary>
    /// Loads <paramref name="state"/> into <paramref name="module"/>. Keys in <paramref name="ignorable"/>
    /// (e.g. transformers' <c>position_ids</c> buffers) may be present or absent. With <paramref name="strict"/>
    /// any missing, unexpected or mis-shaped key throws <see cref="CheckpointMismatchException"/>.
    /// </summary>
    public static LoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> state, string source,
        bool strict = true, Func<string, bool>? ignorable = null)
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !state.ContainsKey(k) && !(ignorable?.Invoke(k) ?? false)).Order(StringComparer.Ordinal).ToList();
        var unexpected = state.Keys.Where(k => !target.ContainsKey(k) && !(ignorable?.Invoke(k) ?? false)).Order(StringComparer.Ordinal).ToList();
        var mismatched = target
            .Where(kv => state.TryGetValue(kv.Key, out var v) && !v.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} (model [{string.Join(",", kv.Value.shape)}], file [{string.Join(",", state[kv.Key].shape)}])")
            .ToList();
        bool clean = missing.Count == 0 && unexpected.Count == 0 && mismatched.Count == 0;
        if (strict && !clean) throw new CheckpointMismatchException(new LoadReport(source, missing, unexpected, mismatched, 0));

        int loaded = 0;
        using (no_grad())
        {
            foreach (var (key, destination) in target)
            {
                if (!state.TryGetValue(key, out var value) || !value.shape.SequenceEqual(destination.shape)) continue;
                destination.copy_(value.to(destination.dtype, destination.device));
                loaded++;
            }
        }
        var report = new LoadReport(source, missing, unexpected, mismatched, loaded);
        return report;
    }
}
