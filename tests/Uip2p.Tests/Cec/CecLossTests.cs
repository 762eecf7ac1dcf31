using Uip2p.Cec;
using static TorchSharp.torch;

namespace Uip2p.Tests.Cec;

/// <summary>Each CEC loss against a value computed by hand on small tensors.</summary>
public class CecLossTests
{
    static Tensor T(params float[] v) => tensor(v).unsqueeze(0);

    [Fact]
    public void Clip_direction_loss()
    {
        // image change (1,1,0), caption change (1,0,0): cos = 1/√2
        var loss = CecLosses.ClipDirection(T(2, 1, 0), T(1, 0, 0), T(1, 0, 1), T(0, 0, 1));
        Assert.Equal(1 - 1 / MathF.Sqrt(2), loss.item<float>(), 5);
        Assert.Equal(0f, CecLosses.ClipDirection(T(2, 0, 0), T(1, 0, 0), T(5, 0, 0), T(0, 0, 0)).item<float>(), 5);
    }

    [Fact]
    public void Similarity_loss()
    {
        Assert.Equal(1f, CecLosses.Similarity(T(1, 0), T(0, 3)).item<float>(), 5);
        Assert.Equal(0f, CecLosses.Similarity(T(2, 2), T(1, 1)).item<float>(), 5);
    }

    [Fact]
    public void Attention_loss_sums_layers_and_averages_the_batch()
    {
        var f = new[] { tensor(new float[] { 3, 0, 0, 0 }).reshape(1, 2, 2), tensor(new float[] { 1, 1 }).reshape(1, 2) };
        var r = new[] { tensor(new float[] { 0, 4, 0, 0 }).reshape(1, 2, 2), tensor(new float[] { 1, 1 }).reshape(1, 2) };
        Assert.Equal(5f, CecLosses.Attention(f, r).item<float>(), 5);                              // √(9+16) + 0
        Assert.Equal(25f / 4, CecLosses.Attention(f, r, DistanceReduction.MeanSquared).item<float>(), 5); // (9+16)/4 + 0
        Assert.Throws<ArgumentException>(() => CecLosses.Attention(f, r[..1]));
    }

    [Fact]
    public void Reconstruction_loss_adds_pixel_distance_and_embedding_cosine()
    {
        var input = zeros(2, 3, 2, 2);
        var recon = ones(2, 3, 2, 2) * 0.5;                // ‖·‖₂ = √(12·0.25) = √3 per image
        var e1 = tensor(new float[,] { { 1, 0 }, { 1, 0 } });
        var e2 = tensor(new float[,] { { 0, 1 }, { 1, 0 } }); // cos 0 and 1
        float expected = (MathF.Sqrt(3) + 1 + MathF.Sqrt(3) + 0) / 2;
        Assert.Equal(expected, CecLosses.Reconstruction(input, recon, e1, e2).item<float>(), 5);
        Assert.Equal((0.25f + 1 + 0.25f) / 2, CecLosses.Reconstruction(input, recon, e1, e2, DistanceReduction.MeanSquared).item<float>(), 5);
    }

    [Fact]
    public void Total_uses_the_paper_weights_by_default()
    {
        var w = new CecWeights();
        Assert.Equal((1.0, 0.5, 1.0, 1.0), (w.Clip, w.Attention, w.Similarity, w.Reconstruction));
        var total = CecLosses.Total(w, tensor(0.2f), tensor(2f), tensor(0.3f), tensor(0.4f));
        Assert.Equal(0.2f + 1f + 0.3f + 0.4f, total.item<float>(), 5);
        Assert.Equal(0.4f, CecLosses.Total(w with { Clip = 0, Attention = 0, Similarity = 0 }, tensor(0.2f), tensor(2f), tensor(0.3f), tensor(0.4f)).item<float>(), 5);
    }

    [Fact]
    public void Gradients_flow_through_every_loss()
    {
        var img = randn(2, 8).requires_grad_();
        var loss = CecLosses.ClipDirection(img, randn(2, 8), randn(2, 8), randn(2, 8)) + CecLosses.Similarity(img, randn(2, 8));
        loss.backward();
        Assert.True(img.grad!.abs().sum().item<float>() > 0);
    }
}
