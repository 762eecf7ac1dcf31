using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uip2p.Models.Diffusion;

/// <summary>
/// A 2-D convolution with <c>weight</c>/<c>bias</c> named as <c>nn.Conv2d</c>'s, that computes small
/// feature maps with many input channels as one matrix product (unfold + GEMM). On CPU, LibTorch's
/// oneDNN convolution runs SD's 1280–2560-channel 3×3 convolutions at 4×4…16×16 at 4–18 GFLOP/s, the GEMM
/// at 60–95 (measured with <c>uip2p bench</c>); elsewhere the ordinary convolution is used. Results agree
/// to float rounding (~1e-6).
/// </summary>
public sealed class Conv : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly int _stride, _padding;

    /// <summary>Input channels from which small maps go through the GEMM path.</summary>
    public static int GemmMinInChannels { get; set; } = 1024;
    /// <summary>Largest H·W that goes through the GEMM path.</summary>
    public static int GemmMaxPositions { get; set; } = 256;

    public Conv(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool hasBias = true) : base(nameof(Conv))
    {
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
        long positions = x.shape[2] * x.shape[3];
        if (_stride != 1 || k == 1 || cin < GemmMinInChannels || positions > GemmMaxPositions || x.device.type != DeviceType.CPU)
            return nn.functional.conv2d(x, weight, bias, strides: [_stride, _stride], padding: [_padding, _padding]);
        using var scope = NewDisposeScope();
        long b = x.shape[0], cout = weight.shape[0];
        long h = x.shape[2] + 2 * _padding - k + 1, w = x.shape[3] + 2 * _padding - k + 1;
        var columns = nn.functional.unfold(x, k, padding: _padding);            // [B, Cin·k·k, H·W]
        var y = weight.reshape(cout, cin * k * k).matmul(columns);              // [B, Cout, H·W]
        if (bias is not null) y = y + bias.unsqueeze(-1);
        return y.reshape(b, cout, h, w).MoveToOuterDisposeScope();
    }
}
