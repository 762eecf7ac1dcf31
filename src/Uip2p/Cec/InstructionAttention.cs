using Uip2p.Models;
using Uip2p.Models.Diffusion;
using static TorchSharp.torch;

namespace Uip2p.Cec;

/// <summary>
/// The A(i) of L_attn: per cross-attention layer i, the attention mass each latent position gives the
/// instruction's words (probabilities averaged over heads, summed over the instruction tokens — start, end
/// and padding tokens excluded), resized to one resolution. Instructions of different lengths compare
/// fairly: each map says, in [0,1], how much a position listens to the instruction.
/// </summary>
public static class InstructionAttention
{
    /// <summary>1 at the instruction's word positions (1 … length−2), 0 elsewhere: <c>[B, T]</c>.</summary>
    public static Tensor TokenMask(IReadOnlyList<int> lengths, int contextLength)
    {
        var m = new float[lengths.Count * contextLength];
        for (int b = 0; b < lengths.Count; b++)
            for (int t = 1; t < lengths[b] - 1; t++)
                m[b * contextLength + t] = 1;
        return tensor(m, [lengths.Count, contextLength]);
    }

    /// <summary>
    /// One map <c>[B, H·W]</c> per recorded layer (in record order) for the rows <paramref name="rows"/>,
    /// resized to <paramref name="height"/>×<paramref name="width"/>. Keeps the autograd graph when the store does.
    /// </summary>
    public static List<Tensor> Maps(AttentionStore store, Tensor tokenMask, Tensor rows, int height, int width)
    {
        var maps = new List<Tensor>();
        foreach (var record in store.Records)
        {
            using var scope = Scopes.ForInference();
            var p = record.Probabilities.index_select(0, rows).mean([1]);                 // [B, Q, T] (head mean)
            var mask = tokenMask.to(p.dtype, p.device).index_select(0, rows).unsqueeze(1); // [B, 1, T]
            var map = (p * mask).sum(-1).reshape(-1, 1, record.Height, record.Width);    // [B, 1, h, w]
            if (record.Height != height || record.Width != width)
                map = nn.functional.interpolate(map, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
            maps.Add(scope.Keep(map.flatten(1)));
        }
        return maps;
    }
}
