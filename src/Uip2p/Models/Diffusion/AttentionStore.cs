using static TorchSharp.torch;

using Uip2p.Models;

namespace Uip2p.Models.Diffusion;

/// <summary>One captured attention map: probabilities <c>[B, heads (1 when averaged), H·W, tokens]</c>.</summary>
public sealed record AttentionRecord(string Layer, int Step, int Height, int Width, Tensor Probabilities, int Count = 1)
{
    /// <summary>The probabilities as spatial maps per token: <c>[B, heads, tokens, H, W]</c>.</summary>
    public Tensor Maps() => Probabilities.transpose(-1, -2).reshape(Probabilities.shape[0], Probabilities.shape[1], Probabilities.shape[3], Height, Width);
}

/// <summary>What an <see cref="AttentionStore"/> keeps (each choice bounds memory).</summary>
public sealed record AttentionStoreOptions
{
    /// <summary>Which layers to record (default: every cross-attention layer, <c>…attn2</c>).</summary>
    public Func<Attention, bool> Layers { get; init; } = a => a.IsCrossAttention;
    /// <summary>Which sampling steps to record (null: all).</summary>
    public Func<int, bool>? Steps { get; init; }
    /// <summary>Average over heads when recording (memory ÷ heads). Default true.</summary>
    public bool AverageHeads { get; init; } = true;
    /// <summary>Keep the autograd graph (for losses such as L_attn); otherwise maps are detached.</summary>
    public bool KeepGradients { get; init; }
    /// <summary>Sum over steps per layer on the fly instead of keeping one record per step.</summary>
    public bool AccumulateSteps { get; init; }
    /// <summary>Keep only these batch rows (e.g. the conditional third of a guidance batch); null: all.</summary>
    public (int Start, int Count)? Rows { get; init; }
}

/// <summary>
/// Collects cross-attention probabilities from <see cref="CapturingAttentionProcessor"/>s: per layer,
/// head (or head mean), query position, text token and sampling step, with helpers to aggregate them
/// into per-token spatial maps. The notebooks and the L_attn loss read maps from here.
/// </summary>
public sealed class AttentionStore : IDisposable
{
    readonly List<AttentionRecord> _records = [];
    readonly Dictionary<string, int> _accumulated = [];

    public AttentionStore(AttentionStoreOptions? options = null) => Options = options ?? new AttentionStoreOptions();

    public AttentionStoreOptions Options { get; }

    /// <summary>The sampling step being run (the pipeline sets it before each UNet call).</summary>
    public int CurrentStep { get; set; }

    public IReadOnlyList<AttentionRecord> Records => _records;

    /// <summary>Bytes held by the recorded tensors.</summary>
    public long BytesHeld => _records.Sum(r => r.Probabilities.NumberOfElements * r.Probabilities.ElementSize);

    /// <summary>Installs a capturing processor on the selected layers of <paramref name="unet"/> (others keep theirs).</summary>
    public AttentionStore Attach(UNet2DConditionModel unet)
    {
        foreach (var layer in unet.AttentionLayers().Where(Options.Layers)) layer.Processor = new CapturingAttentionProcessor(this);
        return this;
    }

    /// <summary>
    /// Installs capturing processors like <see cref="Attach"/> for the lifetime of the returned handle; disposing it puts
    /// back the processors each layer had before (not necessarily the default), so captures nest and compose.
    /// </summary>
    public IDisposable AttachFor(UNet2DConditionModel unet)
    {
        var previous = unet.AttentionLayers().ToDictionary(a => a, a => a.Processor);
        Attach(unet);
        return new ProcessorRestore(previous);
    }

    sealed class ProcessorRestore(Dictionary<Attention, IAttentionProcessor> previous) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (layer, processor) in previous) layer.Processor = processor;
        }
    }

    /// <summary>Puts the default processor back on every layer.</summary>
    public static void Detach(UNet2DConditionModel unet)
    {
        foreach (var layer in unet.AttentionLayers()) layer.Processor = SdpaAttentionProcessor.Instance;
    }

    /// <summary>Called by the processor with softmax probabilities <c>[B, heads, Q, T]</c>.</summary>
    public void Record(Attention layer, Tensor probabilities)
    {
        if (!Options.Layers(layer) || !(Options.Steps?.Invoke(CurrentStep) ?? true)) return;
        var p = Options.KeepGradients ? probabilities : probabilities.detach();
        if (Options.Rows is { } rows) p = p.narrow(0, rows.Start, rows.Count);
        if (Options.AverageHeads) p = p.mean([1], keepdim: true);
        p.DetachFromDisposeScope();
        var (h, w) = layer.Spatial;
        if (Options.AccumulateSteps && _accumulated.TryGetValue(layer.Name, out int index))
        {
            var old = _records[index];
            var sum = old.Probabilities + p;
            sum.DetachFromDisposeScope();
            old.Probabilities.Dispose();
            p.Dispose();
            _records[index] = old with { Probabilities = sum, Count = old.Count + 1, Step = -1 };
            return;
        }
        if (Options.AccumulateSteps) _accumulated[layer.Name] = _records.Count;
        _records.Add(new AttentionRecord(layer.Name, Options.AccumulateSteps ? -1 : CurrentStep, h, w, p));
    }

    /// <summary>Records grouped by layer name.</summary>
    public ILookup<string, AttentionRecord> ByLayer() => _records.ToLookup(r => r.Layer);

    /// <summary>Records grouped by feature-map resolution (e.g. 64×64, 32×32, …).</summary>
    public ILookup<(int Height, int Width), AttentionRecord> ByResolution() => _records.ToLookup(r => (r.Height, r.Width));

    /// <summary>Records grouped by sampling step.</summary>
    public ILookup<int, AttentionRecord> ByStep() => _records.ToLookup(r => r.Step);

    /// <summary>
    /// The mean spatial map of each text token over the selected records (layers × steps × heads),
    /// each resized to <paramref name="height"/>×<paramref name="width"/>: <c>[B, tokens, height, width]</c>.
    /// Accumulated records are divided by their step count.
    /// </summary>
    public Tensor TokenMaps(int height, int width, Func<AttentionRecord, bool>? where = null)
    {
        var selected = _records.Where(where ?? (_ => true)).ToList();
        if (selected.Count == 0) throw new InvalidOperationException("No attention was recorded for that selection (was the store attached and the layer/step filter right?).");
        using var scope = Scopes.ForInference();
        Tensor? sum = null;
        foreach (var r in selected)
        {
            var maps = r.Maps().mean([1]) / r.Count; // [B, T, h, w]
            var resized = maps.shape[^2] == height && maps.shape[^1] == width ? maps
                : nn.functional.interpolate(maps, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
            sum = sum is null ? resized : sum + resized;
        }
        return scope.Keep(sum! / selected.Count);
    }

    /// <summary>Per-layer maps for a set of token positions, each <c>[B, H_l, W_l]</c> (token mean), in record order.</summary>
    public IReadOnlyList<(string Layer, Tensor Map)> LayerMaps(IReadOnlyList<int> tokens, Func<AttentionRecord, bool>? where = null)
    {
        var index = tensor(tokens.Select(t => (long)t).ToArray());
        return _records.Where(where ?? (_ => true)).Select(r =>
        {
            using var scope = Scopes.ForInference();
            var maps = r.Maps().mean([1]) / r.Count; // [B, T, h, w]
            return (r.Layer, scope.Keep(maps.index_select(1, index.to(maps.device)).mean([1])));
        }).ToList();
    }

    /// <summary>Forgets every record (call between edits).</summary>
    public void Clear()
    {
        foreach (var r in _records) r.Probabilities.Dispose();
        _records.Clear();
        _accumulated.Clear();
    }

    public void Dispose() => Clear();
}

/// <summary>
/// Attention computed explicitly (softmax(q·kᵀ·scale)·v) so the probabilities can be handed to an
/// <see cref="AttentionStore"/>; numerically equal to <see cref="SdpaAttentionProcessor"/> within float rounding.
/// </summary>
public sealed class CapturingAttentionProcessor(AttentionStore store) : IAttentionProcessor
{
    public AttentionStore Store { get; } = store;

    public Tensor Process(Attention attention, Tensor hidden, Tensor? context)
    {
        using var scope = Scopes.ForInference();
        var (q, k, v) = attention.QueryKeyValue(hidden, context);
        var probabilities = (q.matmul(k.transpose(-1, -2)) * attention.Scale).softmax(-1);
        Store.Record(attention, probabilities);
        return scope.Keep(attention.Output(probabilities.matmul(v)));
    }
}
