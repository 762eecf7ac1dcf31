using System.Text.Json;
using Uip2p.Models;
using Uip2p.Schedulers;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uip2p.Tests.Parity;

/// <summary>DDPM, DDIM and Euler-ancestral against diffusers (fixtures with a "configs" section of scheduler configs).</summary>
public class SchedulerParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var f in OracleFixture.All())
                if (f.ConfigJson().TryGetProperty("configs", out var c) && c.TryGetProperty("EulerAncestralDiscreteScheduler", out _)) data.Add(f.Dir);
            return data;
        }
    }

    [Fact]
    public void There_are_scheduler_fixtures() => Assert.NotEmpty(Fixtures);

    static SchedulerConfig ConfigOf(OracleFixture f, string cls)
    {
        var raw = f.ConfigJson().GetProperty("configs").GetProperty(cls);
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(raw.GetRawText())!;
        json["_class_name"] = JsonSerializer.SerializeToElement(cls);
        return SchedulerConfig.Read(ConfigReader.FromJson(JsonSerializer.Serialize(json), $"{f.Name}/{cls}"));
    }

    static Tensor Floats(IEnumerable<float> v) => tensor(v.ToArray());

    /// <summary>|got − expected| ≤ tol·max(1, |expected|): 1e-6 relative for values that reach ~15σ.</summary>
    static double AssertRelClose(Tensor got, Tensor expected, double tol, string what)
    {
        var e = expected.to(ScalarType.Float64);
        var diff = (got.to(ScalarType.Float64) - e).abs() / e.abs().clamp_min(1.0);
        double err = diff.max().item<double>();
        Assert.True(err <= tol, $"{what}: relative error {err:E2} > {tol:E0}");
        return err;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Training_schedule_timesteps_and_sigmas(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var schedule = new NoiseSchedule(ConfigOf(f, "DDPMScheduler"));
        OracleFixture.AssertClose(Floats(schedule.Betas), io["train.betas"], 1e-6, "betas");
        OracleFixture.AssertClose(Floats(schedule.AlphasCumprod), io["train.alphas_cumprod"], 1e-6, "alphas_cumprod");
        foreach (int n in new[] { 5, 20, 50, 100 })
        {
            var ddpm = new DdpmScheduler(ConfigOf(f, "DDPMScheduler"));
            ddpm.SetTimesteps(n);
            OracleFixture.AssertClose(Floats(ddpm.Timesteps), io[$"ddpm.N{n}.timesteps"], 0, $"ddpm N{n}");
            var ddim = new DdimScheduler(ConfigOf(f, "DDIMScheduler"));
            ddim.SetTimesteps(n);
            OracleFixture.AssertClose(Floats(ddim.Timesteps), io[$"ddim.N{n}.timesteps"], 0, $"ddim N{n}");
            foreach (var (spacing, prefix) in new[] { ((string?)null, "euler_a"), ("leading", "euler_a.leading"), ("trailing", "euler_a.trailing") })
            {
                var euler = new EulerAncestralScheduler(ConfigOf(f, "EulerAncestralDiscreteScheduler") with { TimestepSpacing = spacing ?? ConfigOf(f, "EulerAncestralDiscreteScheduler").TimestepSpacing });
                euler.SetTimesteps(n);
                OracleFixture.AssertClose(Floats(euler.Timesteps), io[$"{prefix}.N{n}.timesteps"], 1e-6, $"{prefix} N{n} timesteps");
                OracleFixture.AssertClose(Floats(euler.Sigmas), io[$"{prefix}.N{n}.sigmas"], 1e-6, $"{prefix} N{n} sigmas");
                OracleFixture.AssertClose(Floats([euler.InitNoiseSigma]), io[$"{prefix}.N{n}.init_noise_sigma"], 1e-6, $"{prefix} N{n} init_noise_sigma");
            }
        }
        Assert.Equal(io["ddim.final_alpha_cumprod"].item<float>(), new DdimScheduler(ConfigOf(f, "DDIMScheduler")).FinalAlphaCumprod);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Euler_ancestral_trajectories(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        foreach (int n in new[] { 5, 20 })
        {
            string p = $"euler_a.traj.N{n}";
            var euler = new EulerAncestralScheduler(ConfigOf(f, "EulerAncestralDiscreteScheduler"));
            euler.SetTimesteps(n);
            double worst = Replay(euler, io, p, n, (x, i) =>
            {
                var (down, up) = EulerAncestralScheduler.AncestralSigmas(euler.Sigmas[i], euler.Sigmas[i + 1]);
                Assert.Equal(io[$"{p}.sigma_up"][i].item<float>(), up, 6);
                Assert.Equal(io[$"{p}.sigma_down"][i].item<float>(), down, 6);
                return AssertRelClose(euler.ScaleModelInput(x, i), io[$"{p}.scaled_model_input"][i].unsqueeze(0), 1e-6, $"{p} scaled input {i}");
            });
            output.WriteLine($"{f.Name} {p}: max relative error {worst:E2}");
        }
    }

    /// <summary>
    /// Runs a recorded trajectory (<c>{prefix}.x0</c>, model outputs and noise per step) through the scheduler,
    /// comparing x̂₀ and the next sample at every step; <paramref name="perStep"/> checks more before each step.
    /// </summary>
    static double Replay(IDiffusionScheduler scheduler, Dictionary<string, Tensor> io, string prefix, int n, Func<Tensor, int, double>? perStep = null)
    {
        var noise = new ReplayNoise(Enumerable.Range(0, n).Select(i => io[$"{prefix}.noise"][i].unsqueeze(0)));
        var x = io[$"{prefix}.x0"];
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            if (perStep != null) worst = Math.Max(worst, perStep(x, i));
            using var step = scheduler.Step(io[$"{prefix}.model_output"][i].unsqueeze(0), i, x, noise);
            worst = Math.Max(worst, AssertRelClose(step.PredOriginalSample, io[$"{prefix}.pred_original_sample"][i].unsqueeze(0), 1e-6, $"{prefix} x0 {i}"));
            worst = Math.Max(worst, AssertRelClose(step.PrevSample, io[$"{prefix}.prev_sample"][i].unsqueeze(0), 1e-6, $"{prefix} prev {i}"));
            x = step.PrevSample.clone();
        }
        return worst;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Ddim_trajectories_with_and_without_eta(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        foreach (int eta in new[] { 0, 1 })
        {
            string p = $"ddim.traj.eta{eta}";
            var ddim = new DdimScheduler(ConfigOf(f, "DDIMScheduler")) { Eta = eta };
            ddim.SetTimesteps(20);
            double worst = Replay(ddim, io, p, 20);
            output.WriteLine($"{f.Name} {p}: max relative error {worst:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Ddpm_add_noise_and_step(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var ddpm = new DdpmScheduler(ConfigOf(f, "DDPMScheduler"));
        OracleFixture.AssertClose(ddpm.Schedule.AddNoise(io["ddpm.add_noise.x0"], io["ddpm.add_noise.noise"], io["ddpm.add_noise.timesteps"]),
            io["ddpm.add_noise.out"], 1e-6, "add_noise");
        ddpm.SetTimesteps(20);
        using var step = ddpm.StepAt(io["ddpm.step.model_output"], (int)io["ddpm.step.timestep"].item<float>(), io["ddpm.step.sample"], new ReplayNoise([io["ddpm.step.noise"]]));
        AssertRelClose(step.PredOriginalSample, io["ddpm.step.pred_original_sample"], 1e-6, "ddpm step x0");
        AssertRelClose(step.PrevSample, io["ddpm.step.prev_sample"], 1e-6, "ddpm step prev");
    }

    [Fact]
    public void One_step_x0_estimate_inverts_add_noise()
    {
        var schedule = new NoiseSchedule(new SchedulerConfig());
        var x0 = randn(3, 4, 8, 8);
        var eps = randn(3, 4, 8, 8);
        var t = tensor(new long[] { 0, 500, 999 });
        var zt = schedule.AddNoise(x0, eps, t);
        OracleFixture.AssertClose(schedule.PredictX0(zt, eps, t), x0, 2e-4, "x0 from the true noise");
        var v = schedule.Velocity(x0, eps, t);
        var vSchedule = new NoiseSchedule(new SchedulerConfig { PredictionType = "v_prediction" });
        OracleFixture.AssertClose(vSchedule.PredictX0(zt, v, t), x0, 1e-5, "x0 from v");
    }
}
