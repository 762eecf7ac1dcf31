using System.Text.Json.Nodes;
using Uip2p.Models;

namespace Uip2p.Schedulers;

/// <summary>
/// diffusers' <c>scheduler_config.json</c> fields that the DDPM, DDIM and Euler-ancestral schedulers use.
/// Defaults are the InstructPix2Pix/SD1.5 ones: scaled_linear β 0.00085→0.012, 1000 steps, steps_offset 1, ε-prediction.
/// </summary>
public sealed record SchedulerConfig
{
    public string ClassName { get; init; } = "EulerAncestralDiscreteScheduler";
    public int NumTrainTimesteps { get; init; } = 1000;
    public double BetaStart { get; init; } = 0.00085;
    public double BetaEnd { get; init; } = 0.012;
    public string BetaSchedule { get; init; } = "scaled_linear";
    /// <summary><c>epsilon</c> or <c>v_prediction</c>.</summary>
    public string PredictionType { get; init; } = "epsilon";
    /// <summary><c>linspace</c>, <c>leading</c> or <c>trailing</c>; null: the scheduler's own default (Euler: linspace; DDPM/DDIM: leading).</summary>
    public string? TimestepSpacing { get; init; }
    public int StepsOffset { get; init; } = 1;
    public bool SetAlphaToOne { get; init; }
    public string VarianceType { get; init; } = "fixed_small";

    public static SchedulerConfig Read(ConfigReader r)
    {
        var c = new SchedulerConfig
        {
            ClassName = r.String("_class_name", "EulerAncestralDiscreteScheduler"),
            NumTrainTimesteps = r.Int("num_train_timesteps", 1000),
            BetaStart = r.Double("beta_start", 0.0001),
            BetaEnd = r.Double("beta_end", 0.02),
            BetaSchedule = r.String("beta_schedule", "linear"),
            PredictionType = r.String("prediction_type", "epsilon"),
            TimestepSpacing = r.Has("timestep_spacing") ? r.String("timestep_spacing", "") : null,
            StepsOffset = r.Int("steps_offset", 0, min: 0),
            SetAlphaToOne = r.Bool("set_alpha_to_one", true),
            VarianceType = r.String("variance_type", "fixed_small"),
        };
        if (c.BetaSchedule is not ("linear" or "scaled_linear" or "squaredcos_cap_v2"))
            throw new InvalidDataException($"{r.Source}: beta_schedule '{c.BetaSchedule}' is not supported (linear, scaled_linear, squaredcos_cap_v2).");
        if (c.PredictionType is not ("epsilon" or "v_prediction"))
            throw new InvalidDataException($"{r.Source}: prediction_type '{c.PredictionType}' is not supported (epsilon, v_prediction).");
        if (c.TimestepSpacing is not (null or "linspace" or "leading" or "trailing"))
            throw new InvalidDataException($"{r.Source}: timestep_spacing '{c.TimestepSpacing}' is not supported (linspace, leading, trailing).");
        if (c.VarianceType != "fixed_small") throw new InvalidDataException($"{r.Source}: variance_type '{c.VarianceType}' is not supported (fixed_small).");
        if (r.Bool("clip_sample", false) || r.Bool("thresholding", false) || r.Bool("rescale_betas_zero_snr", false))
            throw new InvalidDataException($"{r.Source}: clip_sample, thresholding and rescale_betas_zero_snr are not supported.");
        return c;
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["_class_name"] = ClassName, ["_diffusers_version"] = "0.30.0", ["num_train_timesteps"] = NumTrainTimesteps,
            ["beta_start"] = BetaStart, ["beta_end"] = BetaEnd, ["beta_schedule"] = BetaSchedule, ["prediction_type"] = PredictionType,
            ["steps_offset"] = StepsOffset, ["set_alpha_to_one"] = SetAlphaToOne,
        };
        if (TimestepSpacing != null) json["timestep_spacing"] = TimestepSpacing;
        return json;
    }
}
