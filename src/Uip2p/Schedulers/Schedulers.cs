using static TorchSharp.torch;

namespace Uip2p.Schedulers;

/// <summary>Where a sampler's fresh noise comes from: a seeded generator, or recorded tensors replayed exactly.</summary>
public interface INoiseSource
{
    Tensor Next(long[] shape, ScalarType dtype, Device device);
}

/// <summary>Standard normal noise from a torch generator (bit-reproducible on CPU for a seed).</summary>
public sealed class GeneratorNoise(Generator generator) : INoiseSource
{
    public Tensor Next(long[] shape, ScalarType dtype, Device device) =>
        randn(shape, dtype: ScalarType.Float32, generator: generator).to(dtype, device);
}

/// <summary>Replays recorded noise tensors in order (to reproduce a reference run); running out is an error.</summary>
public sealed class ReplayNoise(IEnumerable<Tensor> tensors) : INoiseSource
{
    readonly Queue<Tensor> _queue = new(tensors);

    public Tensor Next(long[] shape, ScalarType dtype, Device device)
    {
        if (_queue.Count == 0) throw new InvalidOperationException("The recorded noise is used up: the run asked for more noise than was recorded.");
        var t = _queue.Dequeue();
        if (!t.shape.SequenceEqual(shape)) throw new InvalidOperationException($"Recorded noise has shape [{string.Join(",", t.shape)}], the step needs [{string.Join(",", shape)}].");
        return t.to(dtype, device);
    }
}

/// <summary>The outcome of one sampler step.</summary>
public sealed record SchedulerStep(Tensor PrevSample, Tensor PredOriginalSample) : IDisposable
{
    public void Dispose() { PrevSample.Dispose(); PredOriginalSample.Dispose(); }
}

/// <summary>A sampler for pipelines: timesteps for N steps, input scaling and the step itself.</summary>
public interface IDiffusionScheduler
{
    NoiseSchedule Schedule { get; }
    /// <summary>Chooses N inference steps.</summary>
    void SetTimesteps(int steps);
    /// <summary>The timesteps handed to the UNet, in order (fractional for Euler).</summary>
    IReadOnlyList<float> Timesteps { get; }
    /// <summary>What initial Gaussian latents are multiplied by.</summary>
    float InitNoiseSigma { get; }
    /// <summary>The UNet input for step <paramref name="index"/>.</summary>
    Tensor ScaleModelInput(Tensor sample, int index);
    /// <summary>Advances <paramref name="sample"/> by one step given the model output.</summary>
    SchedulerStep Step(Tensor modelOutput, int index, Tensor sample, INoiseSource noise);
    /// <summary>The sample at step <paramref name="index"/> for a clean <paramref name="x0"/> (diffusers' <c>add_noise</c>; SDEdit-style starts).</summary>
    Tensor NoiseTo(Tensor x0, Tensor noise, int index);
}

/// <summary>Makes the scheduler a <c>scheduler_config.json</c> names.</summary>
public static class SchedulerFactory
{
    public static IDiffusionScheduler Create(SchedulerConfig config) => config.ClassName switch
    {
        "EulerAncestralDiscreteScheduler" => new EulerAncestralScheduler(config),
        "DDIMScheduler" => new DdimScheduler(config),
        "DDPMScheduler" => new DdpmScheduler(config),
        var name => throw new InvalidDataException($"Scheduler '{name}' is not supported (EulerAncestralDiscreteScheduler, DDIMScheduler, DDPMScheduler)."),
    };

    /// <summary>The short names <see cref="Create(string, SchedulerConfig)"/> takes.</summary>
    public static readonly string[] Names = ["euler_a", "ddim", "ddpm"];

    /// <summary>By short name: <c>euler_a</c>, <c>ddim</c> or <c>ddpm</c>, keeping the rest of <paramref name="config"/>.</summary>
    public static IDiffusionScheduler Create(string name, SchedulerConfig config) => Create(config with
    {
        ClassName = name.ToLowerInvariant() switch
        {
            "euler_a" or "euler-ancestral" or "eulerancestral" => "EulerAncestralDiscreteScheduler",
            "ddim" => "DDIMScheduler",
            "ddpm" => "DDPMScheduler",
            _ => throw new ArgumentException($"Sampler '{name}' is not known (euler_a, ddim, ddpm)."),
        },
    });
}

/// <summary>
/// Euler-ancestral (k-diffusion's <c>sample_euler_ancestral</c>; diffusers' EulerAncestralDiscreteScheduler):
/// σ_t = √((1 − ᾱ_t)/ᾱ_t) interpolated at the (fractional) timesteps, then per step
/// <c>x ← x + (x − x̂₀)/σ·(σ_down − σ) + ε·σ_up</c>.
/// </summary>
public sealed class EulerAncestralScheduler(SchedulerConfig config) : IDiffusionScheduler
{
    float[] _timesteps = [];

    public NoiseSchedule Schedule { get; } = new(config);
    public string Spacing => config.TimestepSpacing ?? "linspace";
    public IReadOnlyList<float> Timesteps => _timesteps;
    /// <summary>σ per step plus a final 0.</summary>
    public float[] Sigmas { get; private set; } = [];
    public float InitNoiseSigma { get; private set; } = 1;

    public void SetTimesteps(int steps)
    {
        _timesteps = Schedule.InferenceTimesteps(steps, Spacing).Select(t => (float)t).ToArray();
        var table = Schedule.AlphasCumprod.Select(a => MathF.Sqrt((1f - a) / a)).ToArray();
        Sigmas = [.. _timesteps.Select(t => (float)Interp(t, table)), 0f];
        float max = Sigmas.Max();
        InitNoiseSigma = Spacing is "linspace" or "trailing" ? max : MathF.Sqrt(max * max + 1);
    }

    // numpy.interp over xp = 0, 1, …, n − 1, in float64.
    static double Interp(double x, float[] fp)
    {
        if (x <= 0) return fp[0];
        if (x >= fp.Length - 1) return fp[^1];
        int j = (int)Math.Floor(x);
        double slope = ((double)fp[j + 1] - fp[j]) / 1.0;
        return slope * (x - j) + fp[j];
    }

    public Tensor ScaleModelInput(Tensor sample, int index)
    {
        float sigma = Sigmas[index];
        return sample / MathF.Sqrt(sigma * sigma + 1);
    }

    public SchedulerStep Step(Tensor modelOutput, int index, Tensor sample, INoiseSource noise)
    {
        float sigmaFrom = Sigmas[index], sigmaTo = Sigmas[index + 1];
        using var scope = NewDisposeScope();
        var denoised = config.PredictionType == "v_prediction"
            ? modelOutput * (-sigmaFrom / MathF.Sqrt(sigmaFrom * sigmaFrom + 1)) + sample / (sigmaFrom * sigmaFrom + 1)
            : sample - modelOutput * sigmaFrom;
        var (sigmaDown, sigmaUp) = AncestralSigmas(sigmaFrom, sigmaTo);
        var eps = noise.Next(modelOutput.shape, modelOutput.dtype, modelOutput.device);
        var prev = EulerStep(sample, denoised, sigmaFrom, sigmaDown) + eps * sigmaUp;
        return new SchedulerStep(prev.MoveToOuterDisposeScope(), denoised.MoveToOuterDisposeScope());
    }

    /// <summary><c>σ_up = √(σ_to²(σ_from² − σ_to²)/σ_from²)</c>, <c>σ_down = √(σ_to² − σ_up²)</c>.</summary>
    /// <summary>x0 + σ_i·ε: Euler's samples live in σ-space.</summary>
    public Tensor NoiseTo(Tensor x0, Tensor noise, int index) => x0 + Sigmas[index] * noise;

    public static (float Down, float Up) AncestralSigmas(float sigmaFrom, float sigmaTo)
    {
        float up = MathF.Sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom));
        float down = MathF.Sqrt(sigmaTo * sigmaTo - up * up);
        return (down, up);
    }

    /// <summary>One Euler step of the probability-flow ODE: <c>x + (x − x̂₀)/σ · (σ_next − σ)</c>.</summary>
    public static Tensor EulerStep(Tensor x, Tensor denoised, float sigma, float sigmaNext)
    {
        using var derivative = (x - denoised) / sigma;
        return x + derivative * (sigmaNext - sigma);
    }
}

/// <summary>
/// DDIM (Song et al.): <c>x_{t−1} = √ᾱ_{t−1}·x̂₀ + √(1 − ᾱ_{t−1} − σ²)·ε̂ + σ·z</c> with
/// <c>σ = η·√((1 − ᾱ_{t−1})/(1 − ᾱ_t)·(1 − ᾱ_t/ᾱ_{t−1}))</c>; η = 0 is deterministic.
/// </summary>
public sealed class DdimScheduler(SchedulerConfig config) : IDiffusionScheduler
{
    float[] _timesteps = [];
    int _stepRatio = 1;

    public NoiseSchedule Schedule { get; } = new(config);
    public IReadOnlyList<float> Timesteps => _timesteps;
    public float InitNoiseSigma => 1f;
    /// <summary>η: 0 deterministic (default), 1 as DDPM.</summary>
    public float Eta { get; set; }
    /// <summary>ᾱ used after the last step: 1 with set_alpha_to_one, else ᾱ₀.</summary>
    public float FinalAlphaCumprod => config.SetAlphaToOne ? 1f : Schedule.AlphasCumprod[0];

    public void SetTimesteps(int steps)
    {
        _timesteps = Schedule.InferenceTimesteps(steps, config.TimestepSpacing ?? "leading").Select(t => (float)Math.Round(t)).ToArray();
        _stepRatio = Schedule.Length / steps;
    }

    public Tensor ScaleModelInput(Tensor sample, int index) => sample.alias();

    /// <summary>√ᾱ_t·x0 + √(1−ᾱ_t)·ε at t = the step's timestep.</summary>
    public Tensor NoiseTo(Tensor x0, Tensor noise, int index) =>
        Schedule.AddNoise(x0, noise, tensor(new[] { (long)Timesteps[index] }, device: x0.device));

    public SchedulerStep Step(Tensor modelOutput, int index, Tensor sample, INoiseSource noise)
    {
        int t = (int)_timesteps[index], prev = t - _stepRatio;
        float a = Schedule.AlphasCumprod[t], aPrev = prev >= 0 ? Schedule.AlphasCumprod[prev] : FinalAlphaCumprod;
        float b = 1f - a, bPrev = 1f - aPrev;
        using var scope = NewDisposeScope();
        Tensor x0, eps;
        if (config.PredictionType == "v_prediction")
        {
            x0 = sample * MathF.Sqrt(a) - modelOutput * MathF.Sqrt(b);
            eps = modelOutput * MathF.Sqrt(a) + sample * MathF.Sqrt(b);
        }
        else
        {
            x0 = (sample - modelOutput * MathF.Sqrt(b)) / MathF.Sqrt(a);
            eps = modelOutput;
        }
        float variance = bPrev / b * (1f - a / aPrev);
        float std = Eta * MathF.Sqrt(variance);
        var direction = eps * MathF.Sqrt(1f - aPrev - std * std);
        var prevSample = x0 * MathF.Sqrt(aPrev) + direction;
        if (Eta > 0) prevSample = prevSample + noise.Next(modelOutput.shape, modelOutput.dtype, modelOutput.device) * std;
        return new SchedulerStep(prevSample.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }
}

/// <summary>
/// DDPM ancestral sampling (Ho et al.) with the fixed-small variance:
/// <c>x_{t−1} = c₀·x̂₀ + c_t·x_t + √β̃_t·z</c>, β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t. Its <see cref="NoiseSchedule"/>
/// also gives the training-time <c>add_noise</c> and targets.
/// </summary>
public sealed class DdpmScheduler(SchedulerConfig config) : IDiffusionScheduler
{
    float[] _timesteps = [];
    int _stepRatio = 1;

    public NoiseSchedule Schedule { get; } = new(config);
    public IReadOnlyList<float> Timesteps => _timesteps;
    public float InitNoiseSigma => 1f;

    public void SetTimesteps(int steps)
    {
        _timesteps = Schedule.InferenceTimesteps(steps, config.TimestepSpacing ?? "leading").Select(t => (float)Math.Round(t)).ToArray();
        _stepRatio = Schedule.Length / steps;
    }

    public Tensor ScaleModelInput(Tensor sample, int index) => sample.alias();

    /// <summary>√ᾱ_t·x0 + √(1−ᾱ_t)·ε at t = the step's timestep.</summary>
    public Tensor NoiseTo(Tensor x0, Tensor noise, int index) =>
        Schedule.AddNoise(x0, noise, tensor(new[] { (long)Timesteps[index] }, device: x0.device));

    public SchedulerStep Step(Tensor modelOutput, int index, Tensor sample, INoiseSource noise) =>
        StepAt(modelOutput, (int)_timesteps[index], sample, noise);

    /// <summary>One step from integer timestep <paramref name="t"/> to <c>t − T/N</c>.</summary>
    public SchedulerStep StepAt(Tensor modelOutput, int t, Tensor sample, INoiseSource noise)
    {
        int prev = t - _stepRatio;
        float a = Schedule.AlphasCumprod[t], aPrev = prev >= 0 ? Schedule.AlphasCumprod[prev] : 1f;
        float b = 1f - a, bPrev = 1f - aPrev;
        float alphaT = a / aPrev, betaT = 1f - alphaT;
        using var scope = NewDisposeScope();
        var x0 = config.PredictionType == "v_prediction"
            ? sample * MathF.Sqrt(a) - modelOutput * MathF.Sqrt(b)
            : (sample - modelOutput * MathF.Sqrt(b)) / MathF.Sqrt(a);
        float x0Coeff = MathF.Sqrt(aPrev) * betaT / b;
        float sampleCoeff = MathF.Sqrt(alphaT) * bPrev / b;
        var prevSample = x0 * x0Coeff + sample * sampleCoeff;
        if (t > 0)
        {
            float variance = Math.Max(bPrev / b * betaT, 1e-20f);
            prevSample = prevSample + noise.Next(modelOutput.shape, modelOutput.dtype, modelOutput.device) * MathF.Sqrt(variance);
        }
        return new SchedulerStep(prevSample.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }
}
