using static TorchSharp.torch;

using Uip2p.Models;

namespace Uip2p.Schedulers;

/// <summary>
/// The training noise schedule: β_t and ᾱ_t = Π(1 − β_s), in float32 exactly as diffusers computes them
/// (scaled_linear: <c>linspace(√β₀, √β₁, T)²</c>). Also the closed-form relations every scheduler and the
/// CEC step use.
/// </summary>
public sealed class NoiseSchedule
{
    public NoiseSchedule(SchedulerConfig config)
    {
        Config = config;
        int n = config.NumTrainTimesteps;
        var betas = config.BetaSchedule switch
        {
            "scaled_linear" => linspace(Math.Sqrt(config.BetaStart), Math.Sqrt(config.BetaEnd), n, dtype: ScalarType.Float32).pow(2),
            "linear" => linspace(config.BetaStart, config.BetaEnd, n, dtype: ScalarType.Float32),
            _ => CosineBetas(n),
        };
        var alphas = 1.0f - betas;
        var acp = alphas.cumprod(0);
        Betas = betas.data<float>().ToArray();
        AlphasCumprod = acp.data<float>().ToArray();
    }

    public SchedulerConfig Config { get; }
    /// <summary>β_t, t = 0…T−1.</summary>
    public float[] Betas { get; }
    /// <summary>ᾱ_t, t = 0…T−1.</summary>
    public float[] AlphasCumprod { get; }
    public int Length => AlphasCumprod.Length;

    static Tensor CosineBetas(int n)
    {
        // squaredcos_cap_v2 (Nichol & Dhariwal): β_t = min(1 − ᾱ(t+1)/ᾱ(t), 0.999), ᾱ(t) = cos²((t/T + 0.008)/1.008 · π/2).
        static double Alpha(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        var betas = Enumerable.Range(0, n).Select(i => (float)Math.Min(1 - Alpha((i + 1.0) / n) / Alpha(i / (double)n), 0.999)).ToArray();
        return tensor(betas);
    }

    /// <summary>ᾱ_t gathered for integer timesteps <c>[B]</c>, shaped to broadcast over <paramref name="like"/>.</summary>
    public Tensor AlphaBar(Tensor timesteps, Tensor like)
    {
        var table = tensor(AlphasCumprod, dtype: ScalarType.Float32, device: like.device);
        var idx = timesteps.to(ScalarType.Int64, like.device);
        var a = table.index_select(0, idx).to(like.dtype);
        return a.reshape([a.shape[0], .. Enumerable.Repeat(1L, (int)like.dim() - 1)]);
    }

    /// <summary>Forward diffusion <c>z_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε</c> (diffusers' <c>add_noise</c>).</summary>
    public Tensor AddNoise(Tensor x0, Tensor noise, Tensor timesteps)
    {
        using var scope = Scopes.ForInference();
        var a = AlphaBar(timesteps, x0);
        return scope.Keep(a.sqrt() * x0 + (1 - a).sqrt() * noise);
    }

    /// <summary>The v-prediction target <c>v = √ᾱ_t·ε − √(1 − ᾱ_t)·x₀</c>.</summary>
    public Tensor Velocity(Tensor x0, Tensor noise, Tensor timesteps)
    {
        using var scope = Scopes.ForInference();
        var a = AlphaBar(timesteps, x0);
        return scope.Keep(a.sqrt() * noise - (1 - a).sqrt() * x0);
    }

    /// <summary>
    /// What the model is trained to output for <c>z_t = AddNoise(x₀, ε, t)</c>: ε for epsilon prediction,
    /// <c>v = √ᾱ_t·ε − √(1 − ᾱ_t)·x₀</c> for v-prediction (the scheduler config's <c>prediction_type</c>).
    /// </summary>
    public Tensor Target(Tensor x0, Tensor noise, Tensor timesteps) =>
        Config.PredictionType == "v_prediction" ? Velocity(x0, noise, timesteps) : noise;

    /// <summary>
    /// The one-step estimate of the clean latent, <c>x̂₀ = (z_t − √(1 − ᾱ_t)·ε̂) / √ᾱ_t</c> — what CEC decodes
    /// after a single noise prediction. It amplifies errors in ε̂ by √((1 − ᾱ_t)/ᾱ_t) (≈14.6 at t = 999).
    /// For v-prediction: <c>x̂₀ = √ᾱ_t·z_t − √(1 − ᾱ_t)·v̂</c>.
    /// </summary>
    public Tensor PredictX0(Tensor noisy, Tensor modelOutput, Tensor timesteps)
    {
        using var scope = Scopes.ForInference();
        var a = AlphaBar(timesteps, noisy);
        var x0 = Config.PredictionType == "v_prediction"
            ? a.sqrt() * noisy - (1 - a).sqrt() * modelOutput
            : (noisy - (1 - a).sqrt() * modelOutput) / a.sqrt();
        return scope.Keep(x0);
    }

    /// <summary>
    /// Inference timesteps for a spacing (diffusers' <c>set_timesteps</c>), descending, before any rounding:
    /// <c>linspace</c> gives fractional values (Euler keeps them, DDPM/DDIM round), computed as numpy does.
    /// </summary>
    public double[] InferenceTimesteps(int steps, string spacing)
    {
        if (steps < 1 || steps > Length) throw new ArgumentOutOfRangeException(nameof(steps), $"Between 1 and {Length} inference steps, not {steps}.");
        int n = Length;
        return spacing switch
        {
            "linspace" => Linspace(0, n - 1, steps).Reverse().ToArray(),
            "leading" => Enumerable.Range(0, steps).Select(i => Math.Round((double)i * (n / steps)) + Config.StepsOffset).Reverse().ToArray(),
            "trailing" => TrailingTimesteps(steps),
            _ => throw new ArgumentException($"Unknown timestep spacing '{spacing}'."),
        };
    }

    // numpy.arange(T, 0, -T/N).round() - 1
    double[] TrailingTimesteps(int steps)
    {
        double step = -(Length / (double)steps);
        int count = (int)Math.Ceiling((0 - Length) / step);
        return Enumerable.Range(0, count).Select(i => Math.Round(Length + i * step) - 1).ToArray();
    }

    // numpy.linspace(start, stop, num) in float64: i·((stop − start)/(num − 1)) + start, last = stop.
    static double[] Linspace(double start, double stop, int num)
    {
        if (num == 1) return [start];
        double step = (stop - start) / (num - 1);
        var y = Enumerable.Range(0, num).Select(i => i * step + start).ToArray();
        y[^1] = stop;
        return y;
    }
}
