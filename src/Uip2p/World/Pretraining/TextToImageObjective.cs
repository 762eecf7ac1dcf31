using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Objectives;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.World.Pretraining;

/// <summary>
/// The text-to-image UNet stage (the world's "Stable Diffusion"): DDPM's L_simple = ‖f_θ(z_t, t, c) − y‖² (mean over
/// elements) with z_t the scene's scaled latent noised to t ~ U[0, 1000), c its caption (empty with probability
/// <see cref="PretrainConfig.CaptionDropout"/>, for classifier-free guidance) and y = ε, or v for v-prediction.
/// </summary>
public sealed class TextToImageObjective(UNet2DConditionModel unet, ClipTextModel text, ClipTokenizer tokenizer, Tensor latents,
    PretrainScenes data, NoiseSchedule schedule) : ITrainingObjective<SceneBatch>
{
    public ILossTerms Loss(SceneBatch batch, Generator generator)
    {
        var idx = batch.Indices;
        var random = new Random(StableSeed.Of(data.Config.Seed, "t2i", batch.Step));
        var captions = idx.Select(i => random.NextDouble() < data.Config.CaptionDropout ? "" : Captioner.Caption(data.Scenes[i], random)).ToList();
        Tensor context;
        using (no_grad()) context = text.call(tokenizer.EncodeBatch(captions)).LastHiddenState;
        var x0 = PretrainScenes.Rows(latents, idx);
        var noise = randn(x0.shape, generator: generator);
        var t = randint(0, schedule.Length, [idx.Length], dtype: ScalarType.Int64, generator: generator);
        var output = unet.Forward(schedule.AddNoise(x0, noise, t), t, context);
        return LossTerms.Single(LossNames.TextToImage, (output - schedule.Target(x0, noise, t)).square().mean());
    }
}
