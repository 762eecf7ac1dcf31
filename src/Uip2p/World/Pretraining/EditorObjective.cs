using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Objectives;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.World.Pretraining;

/// <summary>
/// The editor stage, where every editing run starts (DESIGN §7: CEC straight from a weak text-to-image prior fails; an
/// input-reconstruction stage fixes it): the text-to-image UNet widened to 8 channels learns
/// L = ‖f_θ([z_t, E(I)], t, c) − y‖² with the scene I as both condition and target — no ground-truth edit involved.
/// c is an instruction of the scene's own (<see cref="PretrainConfig.EditorInstructionShare"/>) or empty, so the start
/// ignores what it is told and editing training only has to teach what an instruction changes. IP2P's two dropout
/// branches stay trained: one row in ten keeps the text-to-image task (caption, zeroed image) and one in twenty is
/// unconditional (empty text, zeroed image), which the dual guidance of every sampler subtracts.
/// </summary>
public sealed class EditorObjective(UNet2DConditionModel editor, ClipTextModel text, ClipTokenizer tokenizer, Tensor latents,
    PretrainScenes data, NoiseSchedule schedule, double scalingFactor) : ITrainingObjective<SceneBatch>
{
    public ILossTerms Loss(SceneBatch batch, Generator generator)
    {
        var idx = batch.Indices;
        var random = new Random(StableSeed.Of(data.Config.Seed, "editor", batch.Step));
        var rows = idx.Select(i => Row(data.Scenes[i], random)).ToArray();
        Tensor context;
        using (no_grad()) context = text.call(tokenizer.EncodeBatch(rows.Select(r => r.Prompt).ToList())).LastHiddenState;
        var x0 = PretrainScenes.Rows(latents, idx);
        var keep = tensor(rows.Select(r => r.KeepImage ? 1f : 0f).ToArray()).reshape(-1, 1, 1, 1);
        var condition = x0 / scalingFactor * keep;   // IP2P's image condition is unscaled
        var noise = randn(x0.shape, generator: generator);
        var t = randint(0, schedule.Length, [idx.Length], dtype: ScalarType.Int64, generator: generator);
        var output = editor.Forward(cat([schedule.AddNoise(x0, noise, t), condition], 1), t, context);
        return LossTerms.Single(LossNames.Reproduction, (output - schedule.Target(x0, noise, t)).square().mean());
    }

    /// <summary>One row: its prompt and whether the image condition is kept (the target is always the scene).</summary>
    (string Prompt, bool KeepImage) Row(Scene scene, Random random)
    {
        double branch = random.NextDouble();
        if (branch < 0.10) return (Captioner.Caption(scene, random), false);   // text-to-image
        if (branch < 0.15) return ("", false);                                 // unconditional
        string instruction = random.NextDouble() < data.Config.EditorInstructionShare ? EditGenerator.Random(scene, random)?.Instruction ?? "" : "";
        return (instruction, true);
    }
}
