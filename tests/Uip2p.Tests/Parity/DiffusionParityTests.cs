using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using Uip2p.Checkpoints;
using Uip2p.Models;
using Uip2p.Models.Diffusion;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uip2p.Tests.Parity;

/// <summary>UNet2DConditionModel and AutoencoderKL against diffusers (fixtures whose reference class is diffusers.*).</summary>
public class DiffusionParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> UNets => OracleFixture.Dirs(c => c == "diffusers.UNet2DConditionModel");
    public static TheoryData<string> Vaes => OracleFixture.Dirs(c => c == "diffusers.AutoencoderKL");

    [Fact]
    public void There_are_unet_and_vae_fixtures()
    {
        Assert.NotEmpty(UNets);
        Assert.NotEmpty(Vaes);
    }

    internal static ConfigReader FullConfig(OracleFixture f) => f.Config.Section("full_config");

    internal static UNet2DConditionModel LoadUNet(OracleFixture f)
    {
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Read(FullConfig(f)));
        var report = StateDictLoader.Load(unet, SafetensorsFile.Load(Path.Combine(f.Dir, "weights.safetensors")), f.Name);
        Assert.True(report.IsClean, report.ToString());
        unet.eval();
        return unet;
    }

    internal static AutoencoderKL LoadVae(OracleFixture f)
    {
        var vae = new AutoencoderKL(AutoencoderKLConfig.Read(FullConfig(f)));
        StateDictLoader.Load(vae, SafetensorsFile.Load(Path.Combine(f.Dir, "weights.safetensors")), f.Name);
        vae.eval();
        return vae;
    }

    [Theory]
    [MemberData(nameof(UNets))]
    public void UNet_matches_diffusers_with_every_intermediate(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var unet = LoadUNet(f);
        using var _ = no_grad();
        double noise = f.FloatNoise;
        var errors = new Dictionary<string, double>();
        unet.Trace = (name, t) =>
        {
            if (io.TryGetValue("dbg." + name, out var expected))
                errors[name] = f.AssertParity(t, expected, noise, $"{f.Name} {name}");
        };
        var outInt = unet.Forward(io["sample"], io["timesteps"].to(ScalarType.Int64), io["encoder_hidden_states"]);
        unet.Trace = null;
        double e1 = f.AssertParity(outInt, io["out"], noise, $"{f.Name} out (integer timesteps)");
        double e2 = f.AssertParity(unet.Forward(io["sample"], io["timesteps_frac"], io["encoder_hidden_states"]), io["out_frac"], noise, $"{f.Name} out_frac");
        Assert.True(errors.Count >= 8, "the trace reached too few intermediates: " + string.Join(",", errors.Keys));
        output.WriteLine($"{f.Name}: out {e1:E2} (tolerance {f.Tolerance(io["out"], noise):E2}), out_frac {e2:E2}; intermediates max {errors.Values.Max():E2} over {errors.Count}");
    }

    /// <summary>
    /// The tolerance rule must still catch real bugs: each sensitivity case of the fixture README (VERIFY.json) —
    /// a wrong flip_sin_to_cos, freq_shift or head count, or swapped IP2P input halves — run through the same
    /// weights must fail the same parity assertion that the real model passes.
    /// </summary>
    [Theory]
    [MemberData(nameof(UNets))]
    public void The_parity_check_fails_for_each_sensitivity_case(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var weights = SafetensorsFile.Load(Path.Combine(dir, "weights.safetensors"));
        double noise = f.FloatNoise, tolerance = f.Tolerance(io["out"], noise);
        using var _ = no_grad();
        var sample = io["sample"];
        long half = sample.shape[1] / 2;
        var swapped = cat([sample[.., (int)half..], sample[.., ..(int)half]], 1);
        var cases = new (string Name, string? Key, object? Value, Tensor Sample)[]
        {
            ("flip_sin_to_cos=false", "flip_sin_to_cos", false, sample),
            ("freq_shift=1", "freq_shift", 1, sample),
            ("attention_head_dim=4 (wrong head count)", "attention_head_dim", 4, sample),
            ("swapped IP2P input halves", null, null, swapped),
        };
        foreach (var (name, key, value, input) in cases)
        {
            var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(f.ConfigJson().GetProperty("full_config").GetRawText())!;
            if (key is not null) json[key] = JsonSerializer.SerializeToElement(value);
            var unet = new UNet2DConditionModel(UNet2DConditionConfig.Read(ConfigReader.FromJson(JsonSerializer.Serialize(json), name)));
            StateDictLoader.Load(unet, weights, f.Name);
            unet.eval();
            var got = unet.Forward(input, io["timesteps"].to(ScalarType.Int64), io["encoder_hidden_states"]);
            double error = (got - io["out"]).abs().max().item<float>();
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => f.AssertParity(got, io["out"], noise, name));
            output.WriteLine($"{f.Name} {name}: max abs error {error:E2}, {error / tolerance:F0}× the tolerance {tolerance:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Vaes))]
    public void Vae_matches_diffusers(string dir)
    {
        var f = OracleFixture.At(dir);
        var io = f.Io();
        var vae = LoadVae(f);
        using var _ = no_grad();
        double noise = f.FloatNoise;
        var moments = vae.Moments(io["image"]);
        double e1 = f.AssertParity(moments, io["enc.moments"], noise, "enc.moments");
        using var posterior = vae.Encode(io["image"]);
        double e2 = f.AssertParity(posterior.Mean, io["enc.mean"], noise, "enc.mean");
        f.AssertParity(posterior.Mode(), io["enc.mean"], noise, "mode");
        f.AssertParity(posterior.LogVar, io["enc.logvar"], noise, "enc.logvar");
        f.AssertParity(posterior.Std, io["enc.std"], noise, "enc.std");
        double e3 = f.AssertParity(vae.Decode(io["latent"]), io["dec.out"], noise, "dec.out");
        double e4 = f.AssertParity(vae.Decode(io["enc.mean"]), io["dec.of_enc_mean"], noise, "dec.of_enc_mean");
        output.WriteLine($"{f.Name}: moments {e1:E2}, mean {e2:E2}, decode {e3:E2}, decode(mean) {e4:E2}");
    }

    [Theory]
    [MemberData(nameof(Vaes))]
    public void Old_attention_key_names_load(string dir)
    {
        var f = OracleFixture.At(dir);
        var state = SafetensorsFile.Load(Path.Combine(dir, "weights.safetensors"));
        var legacy = state.ToDictionary(kv => kv.Key
            .Replace("attentions.0.to_q.", "attentions.0.query.").Replace("attentions.0.to_k.", "attentions.0.key.")
            .Replace("attentions.0.to_v.", "attentions.0.value.").Replace("attentions.0.to_out.0.", "attentions.0.proj_attn."),
            kv => kv.Key.Contains("attentions.0.to_q.weight") ? kv.Value.unsqueeze(-1).unsqueeze(-1) : kv.Value); // 1×1-conv form too
        Assert.Contains(legacy.Keys, k => k.EndsWith("mid_block.attentions.0.proj_attn.weight"));
        var vae = new AutoencoderKL(AutoencoderKLConfig.Read(FullConfig(f)));
        Assert.Throws<CheckpointMismatchException>(() => StateDictLoader.Load(vae, legacy, "legacy"));
        var report = StateDictLoader.Load(vae, AutoencoderKL.RenameLegacyAttention(legacy), "legacy");
        Assert.True(report.IsClean);
        vae.eval();
        using var _ = no_grad();
        var io = f.Io();
        f.AssertParity(vae.Decode(io["latent"]), io["dec.out"], "legacy dec.out");
    }

    [Theory]
    [MemberData(nameof(UNets))]
    public void Every_norm_epsilon_comes_from_the_config(string dir)
    {
        var f = OracleFixture.At(dir);
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(f.ConfigJson().GetProperty("full_config").GetRawText())!;
        json["norm_eps"] = JsonSerializer.SerializeToElement(3e-4);
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Read(ConfigReader.FromJson(JsonSerializer.Serialize(json), "cfg")));
        foreach (var (name, module) in unet.named_modules())
        {
            if (module is GroupNorm g)
                Assert.Equal(name.EndsWith(".norm") ? 1e-6 : 3e-4, g.eps); // Transformer2DModel.norm is fixed at 1e-6
            if (module is LayerNorm l) Assert.Equal(1e-5, l.eps);
        }
        var vaeFixture = OracleFixture.All().First(x => x.ReferenceClass == "diffusers.AutoencoderKL");
        var vae = new AutoencoderKL(AutoencoderKLConfig.Read(FullConfig(vaeFixture)));
        Assert.All(vae.modules().OfType<GroupNorm>(), g => Assert.Equal(1e-6, g.eps));
    }
}
