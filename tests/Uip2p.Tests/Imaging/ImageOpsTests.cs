using Uip2p.Imaging;
using static TorchSharp.torch;

namespace Uip2p.Tests.Imaging;

public class ImageOpsTests
{
    [Theory]
    [InlineData(512, 8, 512)]
    [InlineData(517, 8, 512)]
    [InlineData(15, 8, 8)]
    public void Sides_floor_to_a_multiple(int side, int multiple, int expected) =>
        Assert.Equal(expected, ImageOps.FloorToMultiple(side, multiple));

    [Fact]
    public void Side_below_one_block_is_an_error() =>
        Assert.Throws<ArgumentException>(() => ImageOps.FloorToMultiple(7, 8));

    [Fact]
    public void Fit_area_keeps_aspect_and_area()
    {
        var (h, w) = ImageOps.FitArea(480, 640, 512 * 512);
        Assert.Equal(0, h % 8);
        Assert.Equal(0, w % 8);
        Assert.InRange(w / (double)h, 1.30, 1.36);
        Assert.InRange(h * w / (512.0 * 512), 0.95, 1.0);
    }

    [Fact]
    public void Resize_to_multiple_and_crop_have_the_right_shapes_and_gradients()
    {
        var x = rand(2, 3, 37, 50).requires_grad_();
        var y = ImageOps.ResizeToMultiple(x);
        Assert.Equal(new long[] { 2, 3, 32, 48 }, y.shape);
        var c = ImageOps.CenterCrop(y, 32, 32);
        Assert.Equal(new long[] { 2, 3, 32, 32 }, c.shape);
        c.sum().backward();
        Assert.NotNull(x.grad);
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Center_crop_takes_the_middle()
    {
        var x = arange(25f).reshape(1, 1, 5, 5);
        Assert.Equal(new[] { 6f, 7, 8, 11, 12, 13, 16, 17, 18 }, ImageOps.CenterCrop(x, 3, 3).flatten().data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => ImageOps.CenterCrop(x, 6, 6));
    }

    [Fact]
    public void Shorter_side_resize_keeps_aspect() =>
        Assert.Equal(new long[] { 1, 3, 256, 384 }, ImageOps.ResizeShorterSide(rand(1, 3, 100, 150), 256).shape);
}
