using static TorchSharp.torch;

namespace Uip2p.Cec;

/// <summary>How a distance between images or maps is reduced to one number per sample.</summary>
public enum DistanceReduction
{
    /// <summary>The literal Euclidean norm ‖a − b‖₂ over all elements (the paper's notation). ~50× larger than MSE on small images.</summary>
    L2Norm,
    /// <summary>The mean squared error over all elements.</summary>
    MeanSquared,
}

/// <summary>λ weights of L_CEC (paper defaults: λ_CLIP 1.0, λ_attn 0.5, λ_sim 1.0, λ_recon 1.0).</summary>
public sealed record CecWeights(double Clip = 1.0, double Attention = 0.5, double Similarity = 1.0, double Reconstruction = 1.0);

/// <summary>The four losses of Cycle Edit Consistency (UIP2P, DESIGN §1), one named function each; E = CLIP embeddings.</summary>
public static class CecLosses
{
    /// <summary>
    /// L_CLIP = 1 − cos(E(I_edit) − E(I_input), E(T_edit) − E(T_input)): the image should change the way the
    /// caption does (T = captions). Mean over the batch.
    /// </summary>
    public static Tensor ClipDirection(Tensor imageEdit, Tensor imageInput, Tensor textEdit, Tensor textInput) =>
        (1 - nn.functional.cosine_similarity(imageEdit - imageInput, textEdit - textInput, dim: -1)).mean();

    /// <summary>L_sim = 1 − cos(E(I_edit), E(T_edit)): the edited image should match its caption. Mean over the batch.</summary>
    public static Tensor Similarity(Tensor imageEdit, Tensor textEdit) =>
        (1 - nn.functional.cosine_similarity(imageEdit, textEdit, dim: -1)).mean();

    /// <summary>
    /// L_attn = Σ_i ‖A_f(i) − A_r(i)‖₂: the forward and reverse edits should attend to the same region, layer
    /// by layer (i). Each map is <c>[B, …]</c>; the distance is reduced per sample, summed over layers, averaged over the batch.
    /// </summary>
    public static Tensor Attention(IReadOnlyList<Tensor> forward, IReadOnlyList<Tensor> reverse, DistanceReduction reduction = DistanceReduction.L2Norm)
    {
        if (forward.Count != reverse.Count || forward.Count == 0)
            throw new ArgumentException($"L_attn needs the same number of layers from both passes (got {forward.Count} and {reverse.Count}).");
        Tensor? total = null;
        for (int i = 0; i < forward.Count; i++)
        {
            var d = Distance(forward[i], reverse[i], reduction);
            total = total is null ? d : total + d;
        }
        return total!.mean();
    }

    /// <summary>
    /// L_recon = ‖I_input − I_recon‖₂ + 1 − cos(E(I_input), E(I_recon)): the reverse edit should give the input
    /// back, in pixels and in CLIP space. Mean over the batch.
    /// </summary>
    public static Tensor Reconstruction(Tensor imageInput, Tensor imageRecon, Tensor embeddingInput, Tensor embeddingRecon, DistanceReduction reduction = DistanceReduction.L2Norm) =>
        (Distance(imageInput, imageRecon, reduction) + 1 - nn.functional.cosine_similarity(embeddingInput, embeddingRecon, dim: -1)).mean();

    /// <summary>L_CEC = λ_CLIP·L_CLIP + λ_attn·L_attn + λ_sim·L_sim + λ_recon·L_recon.</summary>
    public static Tensor Total(CecWeights w, Tensor clip, Tensor attention, Tensor similarity, Tensor reconstruction) =>
        w.Clip * clip + w.Attention * attention + w.Similarity * similarity + w.Reconstruction * reconstruction;

    /// <summary>Per-sample distance <c>[B]</c> between two tensors <c>[B, …]</c>.</summary>
    public static Tensor Distance(Tensor a, Tensor b, DistanceReduction reduction)
    {
        var diff = (a - b).flatten(1);
        return reduction == DistanceReduction.L2Norm ? diff.square().sum(1).sqrt() : diff.square().mean([1]);
    }
}
