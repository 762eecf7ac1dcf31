using System.Text.Json;
using System.Text.Json.Serialization;
using Uip2p.Pipelines;

namespace Uip2p.Experiments;

/// <summary>
/// How an ablation scores its runs: which held-out world scenes (generated from <see cref="HeldOutSeed"/>, the same for
/// every run), how they are edited (defaults: the demo's, <see cref="HeldOutWorld.DefaultEdit"/>), and which CLIP scores
/// them. Stored with each run's cached scores: a run whose scores were made with other settings is scored again.
/// </summary>
public sealed record AblationEvalSettings
{
    public int HeldOut { get; init; } = 48;
    /// <summary>The world seed of the held-out scenes; keep it apart from the training data's (<c>uip2p world --seed</c>).</summary>
    public int HeldOutSeed { get; init; } = 1001;
    public int Steps { get; init; } = HeldOutWorld.DefaultEdit.Steps;
    public string Sampler { get; init; } = HeldOutWorld.DefaultEdit.Sampler;
    public double TextGuidance { get; init; } = HeldOutWorld.DefaultEdit.TextGuidance;
    public double ImageGuidance { get; init; } = HeldOutWorld.DefaultEdit.ImageGuidance;
    public double Strength { get; init; } = HeldOutWorld.DefaultEdit.Strength;
    public long Seed { get; init; } = HeldOutWorld.DefaultEdit.Seed;
    /// <summary>CLIP folder for CLIP-I, CLIP-T and the CLIP direction/image similarities; null: the components' <c>clip/</c> when there is one.</summary>
    public string? Clip { get; init; }
    /// <summary>Tokenizer of that CLIP when its folder has none (the world's: the components' <c>tokenizer/</c>).</summary>
    public string? ClipTokenizer { get; init; }

    [JsonIgnore] public EditOptions Edit => new() { Steps = Steps, Sampler = Sampler, TextGuidance = TextGuidance, ImageGuidance = ImageGuidance, Strength = Strength, Seed = Seed };

    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Range checks, naming the CLI option of a bad value.</summary>
    public AblationEvalSettings Validated()
    {
        void Require(bool ok, string message) { if (!ok) throw new ArgumentException(message); }
        Require(HeldOut is >= 1 and <= 100_000, $"--held-out {HeldOut}: must be between 1 and 100000.");
        Require(Steps is >= 1 and <= 1000, $"--edit-steps {Steps}: must be between 1 and 1000.");
        Require(Sampler is "euler_a" or "ddim" or "ddpm", $"--sampler '{Sampler}': must be one of euler_a, ddim, ddpm{Text.DidYouMean.Suffix(Sampler, ["euler_a", "ddim", "ddpm"])}.");
        Require(double.IsFinite(TextGuidance) && TextGuidance is >= 0 and <= 100, $"--text-guidance {TextGuidance}: must be at least 0 and at most 100.");
        Require(double.IsFinite(ImageGuidance) && ImageGuidance is >= 0 and <= 100, $"--image-guidance {ImageGuidance}: must be at least 0 and at most 100.");
        Require(Strength is > 0 and <= 1, $"--strength {Strength}: must be above 0 and at most 1.");
        return this;
    }
}
