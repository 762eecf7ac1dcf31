using Uip2p.Models.Diffusion;

namespace Uip2p.Pipelines;

/// <summary>
/// How much memory an edit needs, known before any weights are loaded, so a size that cannot fit is refused
/// with the figure instead of aborting inside LibTorch. Attention runs through scaled-dot-product attention
/// (memory linear in positions), so the peak is set by the widest activations: the VAE at full resolution
/// (block_out_channels[0] channels at H×W) and the UNet's first level for the three guidance rows.
/// </summary>
public static class EditMemory
{
    /// <summary>
    /// Live float tensors at the widest level, per channel and position: a resnet block holds its input, two
    /// normalised/activated copies, a convolution output and the sum; the VAE decoder's upsampler briefly adds
    /// one more. Measured peak RSS of the world pipeline at 1024² and 2048² is within 1.5× of this estimate.
    /// </summary>
    const double LiveTensors = 6;

    /// <summary>Estimated peak bytes of editing <paramref name="batch"/> images of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static long Estimate(AutoencoderKLConfig vae, UNet2DConditionConfig unet, int height, int width, int batch = 1)
    {
        double pixels = (double)height * width * batch;
        double latentPositions = pixels / ((double)vae.DownsampleFactor * vae.DownsampleFactor);
        double vaeBytes = LiveTensors * vae.BlockOutChannels[0] * pixels * sizeof(float);
        double unetBytes = LiveTensors * 3 * unet.BlockOutChannels[0] * latentPositions * sizeof(float);
        return (long)Math.Max(vaeBytes, unetBytes);
    }

    /// <summary>Memory the process may still take: MemAvailable on Linux, else what the runtime reports.</summary>
    public static long AvailableBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }
}
