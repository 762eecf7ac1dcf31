using static TorchSharp.torch;

namespace Uip2p.Pipelines;

/// <summary>InstructPix2Pix's classifier-free guidance over two conditions (DESIGN §2).</summary>
public static class DualGuidance
{
    /// <summary>
    /// <c>ε = ε(z,∅,∅) + s_T·(ε(z,c_I,c_T) − ε(z,c_I,∅)) + s_I·(ε(z,c_I,∅) − ε(z,∅,∅))</c>:
    /// <paramref name="full"/> = ε(c_I, c_T), <paramref name="imageOnly"/> = ε(c_I, ∅), <paramref name="unconditional"/> = ε(∅, ∅).
    /// </summary>
    public static Tensor Combine(Tensor full, Tensor imageOnly, Tensor unconditional, double textScale, double imageScale) =>
        unconditional + textScale * (full - imageOnly) + imageScale * (imageOnly - unconditional);
}
