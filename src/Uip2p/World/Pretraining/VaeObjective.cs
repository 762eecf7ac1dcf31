using TorchSharp;
using Uip2p.Checkpoints;
using Uip2p.Models.Diffusion;
using Uip2p.Objectives;
using static TorchSharp.torch;

namespace Uip2p.World.Pretraining;

/// <summary>
/// The VAE stage: L = mean(w·|D(z) − x|) + mean(w·(D(z) − x)²) + 10⁻⁶·KL with z = μ + σ_noise·std(μ)·n, n ~ N(0, I).
/// Objects cover ~9 % of a world scene: unweighted, the decoder learns backgrounds well and draws objects as blobs of
/// the wrong colour, so object pixels weigh <see cref="PretrainConfig.VaeObjectWeight"/> times more (w, normalised to
/// mean 1 per image). The noise on the posterior mean is scaled to the latents' spread, not the posterior's own std:
/// with the initial unit std the few latent numbers drown and the decoder learns a blur; the noise keeps the decoder
/// robust to a diffusion model's slightly wrong latents; a tiny KL keeps the latents tame.
/// </summary>
public sealed class VaeObjective(AutoencoderKL vae, PretrainScenes data) : ITrainingObjective<SceneBatch>
{
    public const string L1 = "loss/vae_l1", L2 = "loss/vae_l2", Kl = "loss/kl";

    public ILossTerms Loss(SceneBatch batch, Generator generator)
    {
        var config = data.Config;
        var x = PretrainScenes.Rows(data.VaeImages, batch.Indices) * 2 - 1;
        var weight = 1 + config.VaeObjectWeight * PretrainScenes.Rows(data.ObjectMasks, batch.Indices);
        weight = weight / weight.mean([1, 2, 3], keepdim: true);
        using var posterior = vae.Encode(x);
        var mean = posterior.Mean;
        var z = mean + config.VaeLatentNoise * mean.std().detach() * randn(mean.shape, generator: generator);
        var recon = vae.Decode(z);
        var kl = 0.5 * (mean.square() + posterior.LogVar.exp() - 1 - posterior.LogVar).mean();
        var l1 = (weight * (recon - x).abs()).mean();
        var l2 = (weight * (recon - x).square()).mean();
        var total = l1 + l2 + 1e-6 * kl;
        return new LossTerms(total, new Dictionary<string, Tensor> { [LossNames.VaeReconstruction] = total, [L1] = l1, [L2] = l2, [Kl] = kl });
    }

    /// <summary>
    /// The trained VAE with its scaling factor measured as SD's 0.18215 was: 1 / std of the posterior means of the
    /// first 512 scenes, so that scaled latents have unit variance.
    /// </summary>
    public static AutoencoderKL WithMeasuredScaling(AutoencoderKL vae, PretrainScenes data)
    {
        using var _ = no_grad();
        vae.eval();
        using var posterior = vae.Encode(data.Images[..Math.Min(512, data.Scenes.Length)] * 2 - 1);
        double std = posterior.Mean.std().item<float>();
        var scaled = new AutoencoderKL(vae.Config with { ScalingFactor = Math.Round(1 / std, 5) });
        StateDictLoader.Load(scaled, vae.state_dict(), "vae");
        scaled.eval();
        return scaled;
    }
}
