using TorchSharp;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.Pipelines;

/// <summary>Text-to-image sampling with classifier-free guidance (Stable Diffusion's loop), for a 4-channel UNet.</summary>
public sealed class TextToImage(UNet2DConditionModel unet, AutoencoderKL vae, ClipTextModel text, ClipTokenizer tokenizer, SchedulerConfig scheduler)
{
    /// <summary>Images in [0,1] for each caption: <c>ε = ε∅ + s·(ε_c − ε∅)</c>, DDIM by default.</summary>
    public Tensor Sample(IReadOnlyList<string> captions, int steps = 20, double guidance = 4.0, long seed = 0, string sampler = "ddim")
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var s = SchedulerFactory.Create(sampler, scheduler);
        s.SetTimesteps(steps);
        var device = unet.parameters().First().device;
        int n = captions.Count;
        var context = text.call(tokenizer.EncodeBatch([.. captions, .. Enumerable.Repeat("", n)]).to(device)).LastHiddenState;
        using var generator = Seeding.Generator(seed);
        var noise = new GeneratorNoise(generator);
        int side = unet.Config.SampleSize;
        var latents = noise.Next([n, unet.Config.InChannels, side, side], ScalarType.Float32, device) * s.InitNoiseSigma;
        for (int i = 0; i < s.Timesteps.Count; i++)
        {
            using var stepScope = NewDisposeScope();
            var input = s.ScaleModelInput(cat([latents, latents], 0), i);
            var eps = unet.Forward(input, tensor(s.Timesteps[i], device: device), context).chunk(2, 0);
            var guided = eps[1] + guidance * (eps[0] - eps[1]);
            latents = s.Step(guided, i, latents, noise).PrevSample.MoveToOuterDisposeScope();
        }
        return vae.DecodeImages(latents / vae.Config.ScalingFactor).clamp(0, 1).MoveToOuterDisposeScope();
    }
}
