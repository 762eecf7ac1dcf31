using Uip2p.Data;
using Uip2p.Models.Diffusion;
using Uip2p.Objectives;
using Uip2p.Pipelines;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>
/// The supervised InstructPix2Pix objective: L = ‖ε − ε_θ([z_t, E(I_input)], t, c_T)‖² (v in place of ε for a
/// v-prediction scheduler) with z_t the
/// ground-truth edited latent noised to t ~ U[0, 1000), and IP2P's conditioning dropout
/// (<see cref="ConditioningDropout"/>). Needs ground-truth edited images, which CEC does not.
/// </summary>
public sealed class SupervisedStep(UNet2DConditionModel unet, EditingComponents components, double conditioningDropout = 0.05) : ITrainingObjective<EditBatch>
{
    /// <summary>L_DDPM as the one named term (<see cref="LossNames.Ddpm"/>).</summary>
    public ILossTerms Loss(EditBatch batch, Generator generator) => LossTerms.Single(LossNames.Ddpm, Run(batch, generator));

    /// <summary>The loss on a batch; all randomness comes from <paramref name="generator"/>.</summary>
    public Tensor Run(EditBatch batch, Generator generator)
    {
        if (batch.EditedImages is null)
            throw new InvalidOperationException($"Supervised training needs ground-truth edited images; record '{batch.Ids[0]}' has none (edited_image).");
        var c = components;
        var device = c.Device;
        int b = batch.Count;
        Tensor imageLatent, target;
        using (no_grad())
        {
            imageLatent = c.Vae.EncodeImages(batch.Inputs.to(device));
            // diffusers' IP2P training samples the edited latent's posterior; its mode keeps the target exact.
            target = c.Vae.EncodeImages(batch.EditedImages.to(device)) * c.Vae.Config.ScalingFactor;
        }
        var draws = rand([b], generator: generator).data<float>().ToArray();
        var dropped = draws.Select(r => ConditioningDropout.Draw(r, conditioningDropout)).ToArray();
        var text = c.EncodeInstructions(batch.Instructions.Select((s, i) => dropped[i].DropText ? "" : s).ToList(), out _);
        var keep = tensor(dropped.Select(d => d.DropImage ? 0f : 1f).ToArray(), device: device).reshape(b, 1, 1, 1);

        var t = randint(0, c.Schedule.Length, [b], dtype: ScalarType.Int64, generator: generator).to(device);
        var noise = randn(target.shape, generator: generator).to(device);
        var output = unet.Forward(cat([c.Schedule.AddNoise(target, noise, t), imageLatent * keep], 1), t, text);
        return (output - c.Schedule.Target(target, noise, t)).square().mean();
    }
}
