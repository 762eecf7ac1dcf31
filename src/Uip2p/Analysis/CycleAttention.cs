using Uip2p.Cec;
using Uip2p.Data;
using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using static TorchSharp.torch;

namespace Uip2p.Analysis;

/// <summary>
/// What L_attn compares, made visible: for a batch, one CEC step's forward maps A_f(i) and reverse maps A_r(i)
/// per cross-attention layer i (the share of attention each latent position gives the instruction's words,
/// <see cref="InstructionAttention"/>), and their distance ‖A_f(i) − A_r(i)‖₂ per image.
/// </summary>
public sealed record CycleAttention(
    Tensor Inputs, Tensor Edited, Tensor Reconstructed, IReadOnlyList<string> Layers,
    IReadOnlyList<Tensor> Forward, IReadOnlyList<Tensor> Reverse, IReadOnlyList<Tensor> Distance, double AttentionLoss,
    IReadOnlyList<string> Instructions, IReadOnlyList<string> ReverseInstructions) : IDisposable
{
    /// <summary>
    /// Runs one CEC step (no conditioning dropout, no gradients) of <paramref name="unet"/> on <paramref name="batch"/>
    /// with the randomness of <paramref name="seed"/>, so two models measured with the same seed see the same t, t̂ and noise.
    /// </summary>
    public static CycleAttention Measure(UNet2DConditionModel unet, EditingComponents components, EditBatch batch, CecOptions? options = null, long seed = 1)
    {
        options = (options ?? new CecOptions()) with { ConditioningDropout = 0 };
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var generator = Seeding.Generator(seed);
        var r = new CecStep(unet, components, options).Run(batch, generator);
        return From(r, batch, options.AttentionReduction).MoveToOuterDisposeScope();
    }

    /// <summary>The maps of a step that already ran (its cycle rows must be the whole batch: no conditioning dropout).</summary>
    public static CycleAttention From(CecResult r, EditBatch batch, DistanceReduction reduction = DistanceReduction.L2Norm)
    {
        if (r.CycleRows != batch.Count)
            throw new ArgumentException($"{batch.Count - r.CycleRows} of the batch's rows were dropped from the cycle; run the step with ConditioningDropout = 0.");
        int side = (int)Math.Round(Math.Sqrt(r.ForwardAttention[0].shape[1]));
        Tensor Spatial(Tensor m) => m.reshape(-1, side, side).cpu().clone();
        return new CycleAttention(
            batch.Inputs.cpu().clone(), r.Edited.cpu().clone(), r.Reconstructed.cpu().clone(), r.AttentionLayers,
            r.ForwardAttention.Select(Spatial).ToList(), r.ReverseAttention.Select(Spatial).ToList(),
            r.ForwardAttention.Zip(r.ReverseAttention, (f, b) => CecLosses.Distance(f, b, reduction).cpu()).ToList(),
            r.Attention.item<float>(), batch.Instructions, batch.ReverseInstructions);
    }

    CycleAttention MoveToOuterDisposeScope()
    {
        foreach (var t in (Tensor[])[Inputs, Edited, Reconstructed, .. Forward, .. Reverse, .. Distance]) t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Σ_i ‖A_f(i) − A_r(i)‖₂ of one image (its share of L_attn).</summary>
    public double Total(int row) => Distance.Sum(d => (double)d[row].item<float>());

    public void Dispose()
    {
        foreach (var t in (Tensor[])[Inputs, Edited, Reconstructed, .. Forward, .. Reverse, .. Distance]) t.Dispose();
    }
}
