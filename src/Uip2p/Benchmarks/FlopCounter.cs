using TorchSharp.Modules;
using Uip2p.Models;
using Uip2p.Models.Diffusion;
using static TorchSharp.torch;

namespace Uip2p.Benchmarks;

/// <summary>
/// Counts the floating-point operations of a forward pass analytically (2 per multiply-add) from the
/// shapes that actually flow: every Conv2d and Linear (forward hooks) and the two attention matmuls
/// (a counting processor). Elementwise work (norms, activations, softmax) is left out, as usual.
/// </summary>
public sealed class FlopCounter : IDisposable
{
    readonly List<Action> _removers = [];
    readonly List<(Attention Layer, IAttentionProcessor Previous)> _swapped = [];

    public long Flops { get; private set; }

    /// <summary>Starts counting every Conv2d, Linear and Attention of <paramref name="model"/>.</summary>
    public FlopCounter(nn.Module model)
    {
        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    var convHook = conv.register_forward_hook((m, input, output) =>
                    {
                        var w = conv.weight!;
                        long macs = output.numel() * (w.shape[1] * w.shape[2] * w.shape[3]);
                        Flops += 2 * macs;
                        return output;
                    });
                    _removers.Add(convHook.remove);
                    break;
                case Conv gemmConv:
                    var gemmHook = gemmConv.register_forward_hook((m, input, output) =>
                    {
                        var w = gemmConv.Weight;
                        Flops += 2 * output.numel() * (w.shape[1] * w.shape[2] * w.shape[3]);
                        return output;
                    });
                    _removers.Add(gemmHook.remove);
                    break;
                case Linear linear:
                    var linearHook = linear.register_forward_hook((m, input, output) =>
                    {
                        Flops += 2 * output.numel() * linear.weight!.shape[1];
                        return output;
                    });
                    _removers.Add(linearHook.remove);
                    break;
                case Attention attention:
                    _swapped.Add((attention, attention.Processor));
                    attention.Processor = new Counting(this, attention.Processor);
                    break;
            }
        }
    }

    sealed class Counting(FlopCounter owner, IAttentionProcessor inner) : IAttentionProcessor
    {
        public Tensor Process(Attention attention, Tensor hidden, Tensor? context)
        {
            long b = hidden.shape[0], q = hidden.shape[1], t = (context ?? hidden).shape[1];
            owner.Flops += 2 * 2 * b * attention.Heads * q * t * attention.HeadDim; // q·kᵀ and p·v
            return inner.Process(attention, hidden, context);
        }
    }

    public void Dispose()
    {
        foreach (var remove in _removers) remove();
        foreach (var (layer, previous) in _swapped) layer.Processor = previous;
    }
}
