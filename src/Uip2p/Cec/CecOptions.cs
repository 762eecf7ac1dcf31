using System.Text.Json.Serialization;

namespace Uip2p.Cec;

/// <summary>What the forward edit denoises from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ForwardStart>))]
public enum ForwardStart
{
    /// <summary>The input image's latent noised to t (SDEdit-like): z_t = √ᾱ_t·z_in + √(1−ᾱ_t)·ε. Default.</summary>
    NoisedInput,
    /// <summary>Pure Gaussian noise at the last training timestep, as a sampler starts.</summary>
    PureNoise,
}

/// <summary>Which image latent conditions the reverse edit.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReverseCondition>))]
public enum ReverseCondition
{
    /// <summary>The forward edit's one-step x̂₀ latent, unscaled (no VAE encode; gradients flow straight through). Default.</summary>
    ForwardLatent,
    /// <summary>The decoded forward edit encoded again by the VAE (as a real image would be).</summary>
    Reencoded,
}

/// <summary>
/// The choices of one Cycle Edit Consistency step. The paper fixes the losses and λ's; it leaves open what
/// the forward pass denoises, which timesteps are drawn and which attention maps enter L_attn — each is an
/// option here, with the default documented in the README ("CEC defaults").
/// </summary>
public sealed record CecOptions
{
    /// <summary>λ_CLIP, λ_attn, λ_sim, λ_recon (paper: 1.0, 0.5, 1.0, 1.0).</summary>
    public CecWeights Weights { get; init; } = new();

    /// <summary>
    /// t and t̂ are drawn from U[<see cref="TimestepMin"/>, <see cref="TimestepMax"/>). The paper draws from
    /// [0, 1000); our default band [300, 700) avoids the one-step x̂₀'s 1/√ᾱ error amplification (8× at t=900,
    /// 15× at t=999) that made the feasibility study's losses unstable.
    /// </summary>
    public int TimestepMin { get; init; } = 300;
    public int TimestepMax { get; init; } = 700;

    public ForwardStart ForwardStart { get; init; } = ForwardStart.NoisedInput;
    public ReverseCondition ReverseCondition { get; init; } = ReverseCondition.ForwardLatent;

    /// <summary>
    /// Which cross-attention layers enter L_attn: every layer whose name contains one of these (default:
    /// all cross-attention layers, "attn2").
    /// </summary>
    public string[] AttentionLayers { get; init; } = ["attn2"];

    /// <summary>How ‖·‖₂ in L_attn is reduced (paper: the literal norm).</summary>
    public DistanceReduction AttentionReduction { get; init; } = DistanceReduction.L2Norm;

    /// <summary>
    /// How ‖I_input − I_recon‖₂ in L_recon is reduced. Default mean squared: the literal per-image norm is
    /// ~50× larger on 64×64 images and pushes the model towards not editing at all.
    /// </summary>
    public DistanceReduction ReconstructionReduction { get; init; } = DistanceReduction.MeanSquared;

    /// <summary>
    /// IP2P conditioning dropout p (DESIGN §2). Rows that lose a condition leave the cycle and instead learn
    /// to denoise their own input (L_uncond, a DDPM term on the same UNet call): CEC alone never trains
    /// the text-free and image-free branches that dual guidance needs at sampling time.
    /// </summary>
    public double ConditioningDropout { get; init; } = 0.05;

    /// <summary>
    /// Views the CLIP losses average each image's embedding over (<see cref="ClipViews"/>; 1: the image alone, the
    /// paper's). Views are the image shifted by up to ±<see cref="ClipShift"/> px, the same shifts for input, edit and
    /// reconstruction.
    /// </summary>
    public int ClipViews { get; init; } = 1;
    public int ClipShift { get; init; } = 2;   // the world CLIP's own training shifts

    /// <summary>Weight of L_uncond on the dropped rows.</summary>
    public double UnconditionalWeight { get; init; } = 1.0;
}
