namespace Uip2p.Objectives;

/// <summary>
/// InstructPix2Pix's conditioning dropout (DESIGN §2): with r ~ U(0,1), the instruction is nulled when
/// r &lt; 2p and the image latent is zeroed when p ≤ r &lt; 3p (so r ∈ [p, 2p) drops both). Training the
/// text-free and image-free branches is what makes dual classifier-free guidance work at sampling time.
/// </summary>
public static class ConditioningDropout
{
    /// <summary>Which conditions one sample loses for its draw <paramref name="r"/> at probability <paramref name="p"/>.</summary>
    public static (bool DropText, bool DropImage) Draw(double r, double p) => (r < 2 * p, r >= p && r < 3 * p);
}
