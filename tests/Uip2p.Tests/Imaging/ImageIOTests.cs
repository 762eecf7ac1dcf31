using TorchSharp;
using Uip2p.Imaging;
using static TorchSharp.torch;

namespace Uip2p.Tests.Imaging;

public class ImageIOTests
{
    static Tensor Pattern(int h = 24, int w = 40)
    {
        // 8-bit exact values so a PNG round trip is lossless.
        var g = Seeding();
        return randint(0, 256, [1, 3, h, w], generator: g).to(ScalarType.Float32).div(255);
    }

    static Generator Seeding() => new(42);

    [Fact]
    public void Png_round_trip_is_exact_in_both_ranges()
    {
        using var dir = new TempDir();
        var image = Pattern();
        ImageIO.Save(image, dir.File("a.png"));
        var back = ImageIO.Load(dir.File("a.png"));
        Assert.Equal(new long[] { 1, 3, 24, 40 }, back.shape);
        Assert.Equal(0f, (back - image).abs().max().item<float>(), 6);

        var signed = ImageIO.Load(dir.File("a.png"), PixelRange.MinusOneOne);
        Assert.Equal(0f, (signed - (image * 2 - 1)).abs().max().item<float>(), 5);
        ImageIO.Save(signed, dir.File("b.png"), PixelRange.MinusOneOne);
        Assert.Equal(0f, (ImageIO.Load(dir.File("b.png")) - image).abs().max().item<float>(), 6);
    }

    [Fact]
    public void Jpeg_round_trip_is_close()
    {
        using var dir = new TempDir();
        var smooth = linspace(0, 1, 64).expand(1, 3, 48, 64).contiguous();
        ImageIO.Save(smooth, dir.File("a.jpg"));
        var back = ImageIO.Load(dir.File("a.jpg"));
        Assert.Equal(smooth.shape, back.shape);
        Assert.True((back - smooth).abs().mean().item<float>() < 0.02f);
    }

    [Fact]
    public void Batch_loading_checks_sizes()
    {
        using var dir = new TempDir();
        ImageIO.Save(Pattern(), dir.File("a.png"));
        ImageIO.Save(Pattern(), dir.File("b.png"));
        ImageIO.Save(Pattern(16, 16), dir.File("c.png"));
        Assert.Equal(new long[] { 2, 3, 24, 40 }, ImageIO.LoadBatch([dir.File("a.png"), dir.File("b.png")]).shape);
        var e = Assert.Throws<ArgumentException>(() => ImageIO.LoadBatch([dir.File("a.png"), dir.File("c.png")]));
        Assert.Contains("c.png", e.Message);
    }

    [Fact]
    public void Zero_byte_file_is_refused_with_its_name()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("empty.png"), []);
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Load(dir.File("empty.png")));
        Assert.Contains("empty.png", e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ImageIO.Load("/nonexistent/photo.png"));
        Assert.Contains("/nonexistent/photo.png", e.Message);
    }

    [Fact]
    public void Random_bytes_are_not_an_image()
    {
        using var dir = new TempDir();
        var bytes = new byte[2000];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(dir.File("noise.jpg"), bytes);
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Load(dir.File("noise.jpg")));
        Assert.Contains("noise.jpg", e.Message);
    }

    [Theory]
    [InlineData("cut.png")]
    [InlineData("cut.jpg")]
    public void Truncated_files_are_refused(string name)
    {
        using var dir = new TempDir();
        ImageIO.Save(Pattern(64, 64), dir.File("whole" + Path.GetExtension(name)));
        byte[] whole = File.ReadAllBytes(dir.File("whole" + Path.GetExtension(name)));
        File.WriteAllBytes(dir.File(name), whole[..(whole.Length / 2)]);
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Load(dir.File(name)));
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Decompression_bomb_is_refused_before_decoding()
    {
        using var dir = new TempDir();
        byte[] bomb = PngBuilder.Bomb(60000, 60000); // 3.6 gigapixels declared, ~10 GB if decoded
        Assert.True(bomb.Length < 2_000, $"the bomb file is {bomb.Length} bytes");
        File.WriteAllBytes(dir.File("bomb.png"), bomb);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Load(dir.File("bomb.png")));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Contains("bomb.png", e.Message);
        Assert.Contains("3,600,000,000 pixels", e.Message);
        Assert.True(allocated < 50_000_000, $"allocated {allocated:N0} bytes before refusing");
    }

    [Fact]
    public void Pixel_limit_is_configurable()
    {
        using var dir = new TempDir();
        ImageIO.Save(Pattern(32, 32), dir.File("a.png"));
        Assert.Throws<ImageDecodeException>(() => ImageIO.Load(dir.File("a.png"), maxPixels: 1000));
        Assert.Equal(32, ImageIO.Load(dir.File("a.png"), maxPixels: 1024).shape[3]);
    }

    [Fact]
    public void A_failed_save_leaves_the_existing_file_and_no_temporary_files()
    {
        using var dir = new TempDir();
        ImageIO.Save(Pattern(), dir.File("keep.png"));
        byte[] before = File.ReadAllBytes(dir.File("keep.png"));
        Assert.Throws<ArgumentException>(() => ImageIO.Save(ones(2, 5, 4, 4), dir.File("keep.png")));
        Assert.Throws<ArgumentException>(() => ImageIO.Save(Pattern(), dir.File("keep.bmp")));
        Assert.Equal(before, File.ReadAllBytes(dir.File("keep.png")));
        Assert.Equal(["keep.png"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Grey_and_chw_tensors_convert()
    {
        using var grey = ImageIO.ToImage(full(8, 6, 0.5f));
        Assert.Equal((6, 8), (grey.Width, grey.Height));
        Assert.Equal(128, grey[0, 0].R);
        Assert.True(ImageIO.LooksLikeImage(zeros(3, 4, 4)));
        Assert.False(ImageIO.LooksLikeImage(zeros(5, 4, 4)));
        Assert.False(ImageIO.LooksLikeImage(zeros(10)));
    }
}

/// <summary>Small helpers other test classes use to make image files.</summary>
static class ImageIOTestsAccess
{
    public static void SaveNoise(string path, int h = 48, int w = 64) =>
        ImageIO.Save(rand([1, 3, h, w], generator: new Generator(3)), path);
}
