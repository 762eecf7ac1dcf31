namespace Uip2p.Objectives;

/// <summary>
/// The log names of the loss terms (metrics.jsonl, TensorBoard, the CLI's progress line, the demo's curves): one place,
/// so a chart or a test that reads a term cannot drift from the objective that writes it.
/// </summary>
public static class LossNames
{
    /// <summary>The prefix every loss term's name starts with.</summary>
    public const string Prefix = "loss/";

    /// <summary>L_CEC = λ_CLIP·L_CLIP + λ_attn·L_attn + λ_sim·L_sim + λ_recon·L_recon (+ λ_uncond·L_uncond).</summary>
    public const string Cec = "loss/cec";
    /// <summary>L_CLIP, the CLIP direction loss.</summary>
    public const string Clip = "loss/clip";
    /// <summary>L_sim, edited image against its caption.</summary>
    public const string Similarity = "loss/sim";
    /// <summary>L_attn, forward against reverse instruction attention.</summary>
    public const string Attention = "loss/attn";
    /// <summary>L_recon, the cycle's reconstruction in pixels and CLIP space.</summary>
    public const string Reconstruction = "loss/recon";
    /// <summary>The denoising loss of the rows conditioning dropout strips inside a CEC step.</summary>
    public const string Unconditional = "loss/uncond";
    /// <summary>L_DDPM, the supervised InstructPix2Pix objective (ε or v regression on the ground-truth edit).</summary>
    public const string Ddpm = "loss/ddpm";

    /// <summary>The VAE stage: weighted L1 + L2 reconstruction with a tiny KL.</summary>
    public const string VaeReconstruction = "loss/vae";
    /// <summary>The CLIP stage: symmetric contrastive cross-entropy over scenes and their shape twins.</summary>
    public const string Contrastive = "loss/contrastive";
    /// <summary>The text-to-image UNet stage: L_simple on captioned scenes.</summary>
    public const string TextToImage = "loss/t2i";
    /// <summary>The editor stage: L_simple towards the conditioning image itself.</summary>
    public const string Reproduction = "loss/reproduce";
}
