using System.Text.Json;
using Uip2p.Models;
using Uip2p.Models.Diffusion;

namespace Uip2p.Tests.Parity;

/// <summary>The full-size SD1.5 InstructPix2Pix UNet and VAE, built from their configs, match the manifests key for key and shape for shape.</summary>
public class DiffusionManifestTests
{
    static Dictionary<string, long[]> Manifest(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Oracle, "manifests", name)));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(x => x.GetInt64()).ToArray());
    }

    static void AssertMatches(Dictionary<string, long[]> manifest, TorchSharp.torch.nn.Module model, string what)
    {
        var got = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var missing = manifest.Keys.Except(got.Keys).ToList();
        var extra = got.Keys.Except(manifest.Keys).ToList();
        var wrong = manifest.Keys.Intersect(got.Keys).Where(k => !manifest[k].SequenceEqual(got[k])).ToList();
        Assert.True(missing.Count + extra.Count + wrong.Count == 0,
            $"{what}: missing {string.Join(", ", missing.Take(5))}; extra {string.Join(", ", extra.Take(5))}; wrong shape {string.Join(", ", wrong.Take(5))}");
        Assert.Equal(manifest.Count, got.Count);
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
