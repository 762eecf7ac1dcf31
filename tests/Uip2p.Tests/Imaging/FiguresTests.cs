using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Uip2p.Charts;
using Uip2p.Imaging;
using static TorchSharp.torch;

namespace Uip2p.Tests.Imaging;

public class FiguresTests
{
    [Fact]
    public void Grid_renders_images_and_caption_text()
    {
        using var dir = new TempDir();
        var grid = ImageGrid.FromBatch(zeros(3, 3, 32, 32), columns: 3, captions: ["a", "b", "c"]);
        grid.ColumnHeaders = ["input", "edit", "truth"];
        grid.Save(dir.File("grid.png"));
        using var image = Image.Load<Rgb24>(dir.File("grid.png"));
        Assert.True(image.Width >= 3 * 128 && image.Height > 128);
        // Black image pixels in the first cell, and dark text pixels below it (the caption).
        int cellTop = image.Height - 128 - 6 - 20;
        Assert.Equal(new Rgb24(0, 0, 0), image[6 + 64, cellTop + 10]);
        int textPixels = 0;
        for (int y = image.Height - 22; y < image.Height - 2; y++)
            for (int x = 6; x < 134; x++)
                if (image[x, y].R < 128) textPixels++;
        Assert.InRange(textPixels, 5, 2000);
    }

    [Fact]
    public void TensorBoard_image_summary_and_ScottPlot_png_work_in_one_process()
    {
        using var dir = new TempDir();
        var writer = torch.utils.tensorboard.SummaryWriter(dir.File("tb"));
        writer.add_scalar("loss/total", 0.5f, 1);
        writer.add_img("samples", rand(3, 16, 16), 1);
        string events = Assert.Single(Directory.GetFiles(dir.File("tb"), "events.out.tfevents.*"));
        Assert.True(new FileInfo(events).Length > 200);
        Assert.True(File.ReadAllBytes(events).AsSpan().IndexOf("PNG"u8) >= 0, "no PNG image inside the event file");

        var plot = ChartStyle.NewPlot();
        plot.Add.Scatter(new double[] { 0, 1, 2 }, new double[] { 1, 0.5, 0.25 });
        ChartStyle.Save(plot, dir.File("curve.png"));
        ChartStyle.Save(plot, dir.File("curve.svg"));
        using var png = Image.Load<Rgb24>(dir.File("curve.png"));
        Assert.Equal((640, 400), (png.Width, png.Height));
        Assert.Contains("<svg", File.ReadAllText(dir.File("curve.svg")));
    }
}
