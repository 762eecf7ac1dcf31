using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Uip2p.Evaluation;

/// <summary>
/// The per-pair metrics of MagicBrush's <c>evaluation/image_eval.py</c>, with its conventions: images as
/// <c>convert('RGB')</c>, the generated image resized to the ground truth's size with PIL's bicubic for
/// L1/L2, and similarities as <c>1 − scipy.spatial.distance.cosine</c> of float32 features, kept in float32
/// as NumPy ≥ 2 does. Aggregates are plain means over the pairs (<see cref="MeanOfDistances"/>,
/// <see cref="MeanOfSimilarities"/>).
/// </summary>
public static class MagicBrushMetrics
{
    /// <summary>
    /// L1 = <c>mean |G − T|</c> over 3·H·W, G the generated image PIL-bicubic-resized to the ground truth T's size,
    /// both <c>ToTensor()</c> in [0,1] (<c>nn.L1Loss</c>, float32).
    /// </summary>
    public static double L1(RgbPixels generated, RgbPixels groundTruth) => Distance(generated, groundTruth, squared: false);

    /// <summary>
    /// "L2" = <c>mean (G − T)²</c> over 3·H·W — a mean squared error, no square root (<c>nn.MSELoss</c>, float32);
    /// G resized as for <see cref="L1"/>.
    /// </summary>
    public static double L2(RgbPixels generated, RgbPixels groundTruth) => Distance(generated, groundTruth, squared: true);

    /// <summary>The generated image as L1/L2 compare it: PIL-bicubic-resized to the ground truth's (width, height).</summary>
    public static RgbPixels ResizeForDistance(RgbPixels generated, RgbPixels groundTruth) =>
        PilResize.Bicubic(generated, groundTruth.Width, groundTruth.Height);

    static double Distance(RgbPixels generated, RgbPixels groundTruth, bool squared)
    {
        using var scope = NewDisposeScope();
        var g = ResizeForDistance(generated, groundTruth).ToTensor();
        var t = groundTruth.ToTensor();
        var loss = squared ? F.mse_loss(g, t) : F.l1_loss(g, t);
        return loss.item<float>();
    }

    /// <summary>
    /// <c>1 − scipy.spatial.distance.cosine(u, v)</c> on float32 vectors: <c>1 − clip(1 − u·v / sqrt(u·u · v·v), 0, 2)</c>,
    /// each step rounded to float32 as NumPy ≥ 2 keeps it (the dot products are summed in float64 here, which
    /// differs from BLAS's float32 sums by about 1e-7).
    /// </summary>
    public static float ScipyCosineSimilarity(ReadOnlySpan<float> u, ReadOnlySpan<float> v)
    {
        if (u.Length != v.Length || u.Length == 0) throw new ArgumentException($"Feature vectors of lengths {u.Length} and {v.Length} cannot be compared.");
        double uv = 0, uu = 0, vv = 0;
        for (int i = 0; i < u.Length; i++)
        {
            uv += (double)u[i] * v[i];
            uu += (double)u[i] * u[i];
            vv += (double)v[i] * v[i];
        }
        float uvf = (float)uv, uuf = (float)uu, vvf = (float)vv;
        float norm = (float)Math.Sqrt(uuf * vvf); // math.sqrt of a float32 product; the Python float divides as float32 (NEP 50)
        float dist = Math.Clamp(1f - uvf / norm, 0f, 2f);
        return 1f - dist;
    }

    /// <summary>CLIP-I = <c>cos(E_I(G), E_I(T))</c>: CLIP image features of the generated image and of the ground truth.</summary>
    public static float ClipI(ReadOnlySpan<float> generatedImage, ReadOnlySpan<float> groundTruthImage) =>
        ScipyCosineSimilarity(generatedImage, groundTruthImage);

    /// <summary>DINO = <c>cos(D(G), D(T))</c>: DINO CLS embeddings of the generated image and of the ground truth.</summary>
    public static float Dino(ReadOnlySpan<float> generatedImage, ReadOnlySpan<float> groundTruthImage) =>
        ScipyCosineSimilarity(generatedImage, groundTruthImage);

    /// <summary>CLIP-T = <c>cos(E_I(G), E_T(c))</c>: the generated image against the caption c of the ground truth.</summary>
    public static float ClipT(ReadOnlySpan<float> generatedImage, ReadOnlySpan<float> caption) =>
        ScipyCosineSimilarity(generatedImage, caption);

    /// <summary>CLIP-T oracle = <c>cos(E_I(T), E_T(c))</c>: the ground truth itself against its caption (the ceiling CLIP-T can reach).</summary>
    public static float ClipTOracle(ReadOnlySpan<float> groundTruthImage, ReadOnlySpan<float> caption) =>
        ScipyCosineSimilarity(groundTruthImage, caption);

    /// <summary>L1/L2 aggregate: <c>Σ score / N</c> over Python floats (float64), as <c>eval_distance</c> sums <c>.item()</c>.</summary>
    public static double MeanOfDistances(IReadOnlyList<double> perPair)
    {
        double sum = 0;
        foreach (double v in perPair) sum += v;
        return sum / perPair.Count;
    }

    /// <summary>CLIP-I / DINO / CLIP-T aggregate: <c>Σ score / N</c> accumulated in float32 in pair order (np.float32 sums under NumPy ≥ 2).</summary>
    public static float MeanOfSimilarities(IReadOnlyList<float> perPair)
    {
        float sum = 0;
        foreach (float v in perPair) sum += v;
        return sum / perPair.Count;
    }
}
