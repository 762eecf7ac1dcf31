using Uip2p.Checkpoints;
using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using Uip2p.Schedulers;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uip2p.Tests.Parity;

/// <summary>The whole InstructPix2Pix loop against diffusers' unmodified pipeline (fixtures whose reference class is the pipeline call).</summary>
public class PipelineParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => OracleFixture.Dirs(c => c.StartsWith("StableDiffusionInstructPix2PixPipeline", StringComparison.Ordinal));

    [Fact]
    public void There_are_pipeline_fixtures() => Assert.NotEmpty(Fixtures);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void The_pipeline_replays_the_reference_run(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var components = f.Config.Section("components");
        string unetDir = Path.GetDirectoryName(Path.GetFullPath(Path.Combine(dir, components.String("unet", ""))))!;
        string vaeDir = Path.GetDirectoryName(Path.GetFullPath(Path.Combine(dir, components.String("vae", ""))))!;
        var unet = DiffusionParityTests.LoadUNet(OracleFixture.At(unetDir));
        var vaeFixture = OracleFixture.At(vaeDir);
        var vae = DiffusionParityTests.LoadVae(vaeFixture);
        var s = components.Section("scheduler");
        var schedulerConfig = new SchedulerConfig
        {
            ClassName = s.String("_class", "EulerAncestralDiscreteScheduler"),
            NumTrainTimesteps = s.Int("num_train_timesteps"),
            BetaStart = s.Double("beta_start", 0), BetaEnd = s.Double("beta_end", 0), BetaSchedule = s.String("beta_schedule", ""),
            StepsOffset = s.Int("steps_offset", min: 0), PredictionType = s.String("prediction_type", "epsilon"),
        };
        var call = f.Config.Section("call");
        int steps = call.Int("num_inference_steps");
        var pipeline = new InstructPix2PixPipeline(unet, vae, schedulerConfig);

        var unetInputs = new List<Tensor>();
        var store = new AttentionStore();
        var latentsPerStep = new List<Tensor>();
        var options = new EditOptions
        {
            Steps = steps,
            TextGuidance = call.Double("guidance_scale", 0),
            ImageGuidance = call.Double("image_guidance_scale", 0),
            Sampler = "euler_a",
            InitialLatents = io["in.latents"],
            Noise = new ReplayNoise(Enumerable.Range(0, steps).Select(i => io["in.ancestral_noise"][i].unsqueeze(0))),
            OnStep = s => latentsPerStep.Add(s.Latents.clone().DetachFromDisposeScope()),
        };
        var raw = new List<Tensor>();
        Tensor image;
        using (no_grad())
        {
            vaeFixture.AssertParity(pipeline.EncodeImageLatents(io["in.image"]), io["image_latents"], "image_latents (unscaled VAE mode)");
            image = pipeline.EditWithEmbeddings(io["in.image"], io["in.prompt_embeds"], io["in.negative_prompt_embeds"], options);
        }
        double worst = 0, noise = f.FloatNoise;
        for (int i = 0; i < steps; i++)
            worst = Math.Max(worst, f.AssertParity(latentsPerStep[i], io["step.latents"][i], noise, $"latents after step {i}") / io["step.latents"][i].abs().max().item<float>());
        var timesteps = SchedulerFactory.Create("euler_a", schedulerConfig);
        timesteps.SetTimesteps(steps);
        OracleFixture.AssertClose(tensor(timesteps.Timesteps.ToArray()), io["step.unet_timestep"], 1e-6, "UNet timesteps");
        using (no_grad())
        {
            double e1 = f.AssertParity(pipeline.DecodeRaw(latentsPerStep[^1]), io["out.decoded_raw"], noise, "decoded_raw");
            double e2 = f.AssertParity(image, io["out.image"], noise, "out.image");
            output.WriteLine($"{f.Name}: latents max relative error {worst:E2}; decoded_raw {e1:E2}; image {e2:E2}");
        }
    }
}
