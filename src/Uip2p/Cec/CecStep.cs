using Uip2p.Data;
using Uip2p.Models.Diffusion;
using Uip2p.Objectives;
using Uip2p.Pipelines;
using static TorchSharp.torch;

namespace Uip2p.Cec;

/// <summary>The losses of one CEC step (scalars with their graph) and what it produced, for logging.</summary>
public sealed record CecResult(
    Tensor Total, Tensor Clip, Tensor Similarity, Tensor Attention, Tensor Reconstruction, Tensor Unconditional,
    Tensor Edited, Tensor Reconstructed, int CycleRows) : ILossTerms
{
    /// <summary>A(i) of the forward and reverse passes, one <c>[rows, h·w]</c> map per layer (detached, for display).</summary>
    public IReadOnlyList<Tensor> ForwardAttention { get; init; } = [];
    public IReadOnlyList<Tensor> ReverseAttention { get; init; } = [];

    /// <summary>The cross-attention layer each map of <see cref="ForwardAttention"/> comes from.</summary>
    public IReadOnlyList<string> AttentionLayers { get; init; } = [];

    /// <summary>
    /// The decoded edit and reconstruction as the losses saw them (detached, not clamped: the VAE decoder can
    /// leave [0,1] slightly). <see cref="Edited"/> and <see cref="Reconstructed"/> are clamped for display.
    /// </summary>
    public Tensor? EditedUnclamped { get; init; }
    public Tensor? ReconstructedUnclamped { get; init; }

    /// <summary>Each loss term by its log name.</summary>
    public IReadOnlyDictionary<string, Tensor> Terms => new Dictionary<string, Tensor>
    {
        [LossNames.Cec] = Total, [LossNames.Clip] = Clip, [LossNames.Similarity] = Similarity, [LossNames.Attention] = Attention,
        [LossNames.Reconstruction] = Reconstruction, [LossNames.Unconditional] = Unconditional,
    };
}

/// <summary>
/// One Cycle Edit Consistency step (UIP2P, DESIGN §1), differentiable into the UNet only:
/// <list type="number">
/// <item>forward edit: ε̂ = UNet([z_t, E_vae(I_input)], t, instruction) at t ~ U[t_min, t_max), one-step
/// x̂₀ = (z_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t, I_edit = D(x̂₀);</item>
/// <item>reverse edit of that edit with the reverse instruction at an independent t̂ and noise, conditioned on
/// the forward x̂₀ latent: I_recon = D(x̂₀');</item>
/// <item>L_CLIP, L_sim, L_attn (forward vs reverse instruction attention, <see cref="InstructionAttention"/>),
/// L_recon and L_CEC (<see cref="CecLosses"/>).</item>
/// </list>
/// Rows that conditioning dropout strips (<see cref="CecOptions.ConditioningDropout"/>) learn to denoise their
/// own input instead (L_uncond) and stay out of the cycle. The VAE, text encoder and CLIP are frozen; their
/// gradients flow through to the UNet.
/// </summary>
public sealed class CecStep(UNet2DConditionModel unet, EditingComponents components, CecOptions options) : ITrainingObjective<EditBatch>
{
    public CecOptions Options { get; } = options;

    /// <inheritdoc cref="Run"/>
    public ILossTerms Loss(EditBatch batch, Generator generator) => Run(batch, generator);

    /// <summary>Runs the step on a batch; all randomness comes from <paramref name="generator"/>.</summary>
    public CecResult Run(EditBatch batch, Generator generator)
    {
        var c = components;
        var schedule = c.Schedule;
        double scale = c.Vae.Config.ScalingFactor;
        int b = batch.Count;
        var device = c.Device;
        var x = batch.Inputs.to(device);

        Tensor imageLatent;
        using (no_grad())
        imageLatent = c.Vae.EncodeImages(x);   // IP2P's condition: unscaled mode
        var x0Input = imageLatent * scale;

        // Conditioning dropout, drawn per row.
        var draws = rand([b], generator: generator).data<float>().ToArray();
        var dropped = draws.Select(r => ConditioningDropout.Draw(r, Options.ConditioningDropout)).ToArray();
        var cycle = Enumerable.Range(0, b).Where(i => !dropped[i].DropText && !dropped[i].DropImage).ToArray();
        var uncond = Enumerable.Range(0, b).Where(i => dropped[i].DropText || dropped[i].DropImage).ToArray();

        var instructions = batch.Instructions.Select((s, i) => dropped[i].DropText ? "" : s).ToList();
        var forwardText = c.EncodeInstructions(instructions, out var forwardLengths);
        var imageKeep = tensor(dropped.Select(d => d.DropImage ? 0f : 1f).ToArray(), device: device).reshape(b, 1, 1, 1);
        var forwardCondition = imageLatent * imageKeep;

        // 1. Forward edit: one noise prediction and a one-step x̂₀.
        var t = Timesteps(b, generator, device);
        var noise = randn(x0Input.shape, generator: generator).to(device);
        var zt = Options.ForwardStart == ForwardStart.NoisedInput ? schedule.AddNoise(x0Input, noise, t) : noise;
        using var store = new AttentionStore(new AttentionStoreOptions
        {
            KeepGradients = true, Layers = a => a.IsCrossAttention && Options.AttentionLayers.Any(a.Name.Contains),
        });
        using (store.AttachFor(unet))
        {
            var eps = unet.Forward(cat([zt, forwardCondition], 1), t, forwardText);
            var unconditional = uncond.Length == 0 || Options.UnconditionalWeight == 0
                ? Zero(device)
                : (eps - schedule.Target(x0Input, noise, t)).index_select(0, Index(uncond, device)).square().mean();
            if (cycle.Length == 0)
                return new CecResult(Options.UnconditionalWeight * unconditional, Zero(device), Zero(device), Zero(device), Zero(device), unconditional,
                    empty(0), empty(0), 0);

            var rows = Index(cycle, device);
            var (h, w) = ((int)x0Input.shape[2], (int)x0Input.shape[3]);
            var forwardMaps = InstructionAttention.Maps(store, InstructionAttention.TokenMask(forwardLengths, c.Tokenizer.ContextLength), rows, h, w);
            var layers = store.Records.Select(r => r.Layer).ToList();
            store.Clear();
            var x0Edit = schedule.PredictX0(zt.index_select(0, rows), eps.index_select(0, rows), t.index_select(0, rows));
            var edited = c.Vae.DecodeImages(x0Edit / scale);

            // 2. Reverse edit of the forward edit, with independent t̂ and noise.
            var reverseText = c.EncodeInstructions(cycle.Select(i => batch.ReverseInstructions[i]).ToList(), out var reverseLengths);
            var reverseCondition = Options.ReverseCondition == ReverseCondition.ForwardLatent
                ? x0Edit / scale
                : c.Vae.EncodeImages(edited);
            var tr = Timesteps(cycle.Length, generator, device);
            var noiseReverse = randn(x0Edit.shape, generator: generator).to(device);
            var ztr = Options.ForwardStart == ForwardStart.NoisedInput ? schedule.AddNoise(x0Edit, noiseReverse, tr) : noiseReverse;
            var epsReverse = unet.Forward(cat([ztr, reverseCondition], 1), tr, reverseText);
            var all = arange(cycle.Length, dtype: ScalarType.Int64, device: device);
            var reverseMaps = InstructionAttention.Maps(store, InstructionAttention.TokenMask(reverseLengths, c.Tokenizer.ContextLength), all, h, w);
            store.Clear();
            var reconstructed = c.Vae.DecodeImages(schedule.PredictX0(ztr, epsReverse, tr) / scale);

            // 3. The losses; CLIP is frozen, its gradients reach the images.
            var input = x.index_select(0, rows);
            var views = ClipViews.Draw(Options.ClipViews, Options.ClipShift, generator);
            Tensor imageInput, textInput, textEdit;
            using (no_grad()) imageInput = views.Embed(c.Clip, input);
            textInput = c.EncodeCaptions(cycle.Select(i => batch.InputCaptions[i]).ToList());
            textEdit = c.EncodeCaptions(cycle.Select(i => batch.EditedCaptions[i]).ToList());
            var imageEdit = views.Embed(c.Clip, edited);
            var imageRecon = views.Embed(c.Clip, reconstructed);

            var lClip = CecLosses.ClipDirection(imageEdit, imageInput, textEdit, textInput);
            var lSim = CecLosses.Similarity(imageEdit, textEdit);
            var lAttn = CecLosses.Attention(forwardMaps, reverseMaps, Options.AttentionReduction);
            var lRecon = CecLosses.Reconstruction(input, reconstructed, imageInput, imageRecon, Options.ReconstructionReduction);
            var total = CecLosses.Total(Options.Weights, lClip, lAttn, lSim, lRecon) * cycle.Length / b
                        + Options.UnconditionalWeight * unconditional * uncond.Length / b;
            return new CecResult(total, lClip, lSim, lAttn, lRecon, unconditional,
                edited.detach().clamp(0, 1), reconstructed.detach().clamp(0, 1), cycle.Length)
            {
                ForwardAttention = forwardMaps.Select(m => m.detach()).ToList(),
                ReverseAttention = reverseMaps.Select(m => m.detach()).ToList(),
                AttentionLayers = layers,
                EditedUnclamped = edited.detach(),
                ReconstructedUnclamped = reconstructed.detach(),
            };
        }
    }

    Tensor Timesteps(int count, Generator generator, Device device) =>
        Options.ForwardStart == ForwardStart.PureNoise
            ? full([count], components.Schedule.Length - 1, dtype: ScalarType.Int64, device: device)
            : randint(Options.TimestepMin, Options.TimestepMax, [count], dtype: ScalarType.Int64, generator: generator).to(device);

    static Tensor Index(int[] rows, Device device) => tensor(rows.Select(i => (long)i).ToArray(), device: device);
    static Tensor Zero(Device device) => zeros([], device: device);
}
