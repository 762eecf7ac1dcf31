using TorchSharp;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>Exponential moving average of a model's parameters: θ̄ ← d·θ̄ + (1 − d)·θ after each step.</summary>
public sealed class Ema : IDisposable
{
    readonly Dictionary<string, Tensor> _shadow;

    public Ema(nn.Module model, double decay)
    {
        Decay = decay;
        using var _ = no_grad();
        _shadow = model.named_parameters().ToDictionary(p => p.name, p => { var c = p.parameter.detach().clone(); c.DetachFromDisposeScope(); return c; });
    }

    public double Decay { get; }

    public void Update(nn.Module model)
    {
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters()) _shadow[name].mul_(Decay).add_(p.detach(), alpha: 1 - Decay);
    }

    /// <summary>The averaged weights under the model's parameter names (buffers are not averaged).</summary>
    public IReadOnlyDictionary<string, Tensor> State => _shadow;

    /// <summary>Replaces the averages (e.g. from a checkpoint).</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        using var _ = no_grad();
        foreach (var (name, t) in _shadow)
        {
            if (!state.TryGetValue(name, out var v)) throw new InvalidDataException($"{source}: the EMA weights lack '{name}'.");
            if (!v.shape.SequenceEqual(t.shape)) throw new InvalidDataException($"{source}: EMA '{name}' has shape [{string.Join(",", v.shape)}], the model [{string.Join(",", t.shape)}].");
            t.copy_(v);
        }
    }

    /// <summary>Copies the averages into a model of the same architecture.</summary>
    public void CopyTo(nn.Module model)
    {
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters()) p.copy_(_shadow[name]);
    }

    public void Dispose()
    {
        foreach (var t in _shadow.Values) t.Dispose();
    }
}
