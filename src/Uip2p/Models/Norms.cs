using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Uip2p.Models;

/// <summary>Normalisation layers with a defined initial state.</summary>
public static class Norms
{
    /// <summary>
    /// <c>GroupNorm</c> with weight 1 and bias 0. TorchSharp 0.107's <c>nn.GroupNorm</c> leaves its affine
    /// parameters uninitialised (whatever the allocator returned, NaN included), which loaded checkpoints
    /// hide but models trained from scratch do not.
    /// </summary>
    public static GroupNorm GroupNorm(long groups, long channels, double eps)
    {
        var norm = nn.GroupNorm(groups, channels, eps);
        using (no_grad())
        {
            norm.weight!.fill_(1.0);
            norm.bias!.zero_();
        }
        return norm;
    }
}
