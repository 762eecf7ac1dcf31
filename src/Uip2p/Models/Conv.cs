using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uip2p.Models;

/// <summary>
/// A 2-D convolution with <c>weight</c>/<c>bias</c> named as <c>nn.Conv2d</c>'s, computed one of two ways:
/// <list type="bullet">
/// <item>as a matrix product over unfolded patches (unfold + GEMM) on small feature maps (≤ 16×16): in the
/// UNet when gradients are on, and in inference when they also have many input channels. In this LibTorch 2.10 CPU
/// build oneDNN's convolution backward intermittently returned NaN input-gradients on a small-latent UNet
/// (a training step from a fresh process: 1 run in 3; never with this path). Mixing the two paths inside the
/// VAE made it worse (NaN every step), so the VAE keeps oneDNN throughout. And oneDNN runs SD's
/// 1280–2560-channel 3×3 convolutions at 4×4…16×16 at 4–18 GFLOP/s where the GEMM reaches 60–95 (2 cores).</item>
/// <item>LibTorch's own convolution (oneDNN) on larger maps, where it is fastest (the unfold path is ~10×
/// slower for a 64×64 VAE's backward).</item>
/// </list>
/// Both agree to float rounding (~1e-6).
/// </summary>
public sealed class Conv : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly int _stride, _padding;
    readonly bool _gemmWhenTraining;

    /// <summary>Input channels from which small maps go through the GEMM path in inference.</summary>
    public static int GemmMinInChannels { get; set; } = 1024;
    /// <summary>Largest H·W that goes through the GEMM path.</summary>
    public static int GemmMaxPositions { get; set; } = 256;

    /// <summary>A k×k convolution; <paramref name="gemmWhenTraining"/> picks the unfold + GEMM path on small maps when gradients are on (the UNet).</summary>
    public Conv(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool hasBias = true, bool gemmWhenTraining = false) : base(nameof(Conv))
    {
        _gemmWhenTraining = gemmWhenTraining;
        weight = Parameter(empty(outChannels, inChannels, kernel, kernel));
        if (hasBias) bias = Parameter(empty(outChannels));
        _stride = stride;
        _padding = padding;
        // nn.Conv2d's initialisation: kaiming-uniform(a=√5) weights, U(±1/√fan_in) bias.
        using (no_grad())
        {
            init.kaiming_uniform_(weight, Math.Sqrt(5));
            double bound = 1 / Math.Sqrt(inChannels * kernel * kernel);
            bias?.uniform_(-bound, bound);
        }
        RegisterComponents();
    }

    public Tensor Weight => weight;

    public override Tensor forward(Tensor x)
    {
        long cin = weight.shape[1], k = weight.shape[2];
        bool training = _gemmWhenTraining && is_grad_enabled() && (weight.requires_grad || x.requires_grad);
        bool small = x.shape[2] * x.shape[3] <= GemmMaxPositions;
        bool gemm = small && (training || (_stride == 1 && k > 1 && cin >= GemmMinInChannels));
        if (!gemm || x.device.type != DeviceType.CPU)
            return nn.functional.conv2d(x, weight, bias, strides: [_stride, _stride], padding: [_padding, _padding]);

        using var scope = Scopes.ForInference();
        long b = x.shape[0], cout = weight.shape[0];
        long h = (x.shape[2] + 2 * _padding - k) / _stride + 1, w = (x.shape[3] + 2 * _padding - k) / _stride + 1;
        var columns = k == 1 && _stride == 1 && _padding == 0
            ? x.reshape(b, cin, h * w)
            : nn.functional.unfold(x, k, padding: _padding, stride: _stride);   // [B, Cin·k·k, H·W]
        var y = weight.reshape(cout, cin * k * k).matmul(columns);              // [B, Cout, H·W]
        if (bias is not null) y = y + bias.unsqueeze(-1);
        return scope.Keep(y.reshape(b, cout, h, w));
    }
}
