using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Uip2p.Evaluation;

/// <summary>
/// instruct-pix2pix's <c>metrics/clip_similarity.py</c> <c>ClipSimilarity.forward</c> on L2-normalised CLIP
/// features (<see cref="EvalClip.Ip2pImageFeatures"/>, <see cref="EvalClip.Ip2pTextFeatures"/>): image 0 is
/// the edit's input, image 1 the edited image, text 0 / text 1 their captions. Cosines are
/// <c>F.cosine_similarity</c> (eps 1e-8); means are Python sums of <c>.item()</c> over the count.
/// </summary>
public static class Ip2pClipSimilarity
{
    /// <summary>sim_0 = <c>cos(E_I(I₀), E_T(T₀))</c>: the input image against its caption.</summary>
    public static float Sim0(Tensor image0, Tensor text0) => Cosine(image0, text0);

    /// <summary>sim_1 = <c>cos(E_I(I₁), E_T(T₁))</c>: the edited image against the edited caption.</summary>
    public static float Sim1(Tensor image1, Tensor text1) => Cosine(image1, text1);

    /// <summary>sim_direction = <c>cos(E_I(I₁) − E_I(I₀), E_T(T₁) − E_T(T₀))</c>: the image change against the caption change (Fig. 5's x axis).</summary>
    public static float SimDirection(Tensor image0, Tensor image1, Tensor text0, Tensor text1)
    {
        using var scope = NewDisposeScope();
        return Cosine(image1 - image0, text1 - text0);
    }

    /// <summary>sim_image = <c>cos(E_I(I₀), E_I(I₁))</c>: how much of the input survives (Fig. 5's y axis).</summary>
    public static float SimImage(Tensor image0, Tensor image1) => Cosine(image0, image1);

    /// <summary>Mean of per-pair values as <c>compute_metrics.py</c> forms it: a Python (float64) sum over the count.</summary>
    public static double Mean(IReadOnlyList<float> perPair)
    {
        double sum = 0;
        foreach (float v in perPair) sum += v;
        return sum / perPair.Count;
    }

    static float Cosine(Tensor a, Tensor b)
    {
        using var c = F.cosine_similarity(a.view(1, -1), b.view(1, -1), dim: 1, eps: 1e-8);
        return c.item<float>();
    }
}
