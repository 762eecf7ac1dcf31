using Uip2p.Models;
using Uip2p.Models.Diffusion;

namespace Uip2p.Tests.Parity;

/// <summary>The full-size SD1.5 InstructPix2Pix UNet and VAE, built from their configs, match the manifests key for key and shape for shape.</summary>
public class DiffusionManifestTests
{
    static Dictionary<string, long[]> Manifest(string name) => ManifestTests.Manifest(name);

    static void AssertMatches(Dictionary<string, long[]> manifest, TorchSharp.torch.nn.Module model, string what)
    {
        ManifestTests.AssertMatches(manifest, ManifestTests.Shapes(model), what);
        Assert.Equal(manifest.Count, model.state_dict().Count);
    }

    [Fact]
    public void Sd15_ip2p_unet()
    {
        var config = UNet2DConditionConfig.Read(ConfigReader.FromFile(Path.Combine(TestPaths.Oracle, "manifests", "sd15-ip2p-unet.config.json")));
        using var unet = new UNet2DConditionModel(config);
        AssertMatches(Manifest("sd15-ip2p-unet.json"), unet, "SD1.5 IP2P UNet");
        Assert.Equal(859_532_484, unet.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Sd15_vae()
    {
        var config = AutoencoderKLConfig.Read(ConfigReader.FromFile(Path.Combine(TestPaths.Oracle, "manifests", "sd15-vae.config.json")));
        using var vae = new AutoencoderKL(config);
        AssertMatches(Manifest("sd15-vae.json"), vae, "SD1.5 VAE");
        Assert.Equal(83_653_863, vae.parameters().Sum(p => p.numel()));
    }
}
