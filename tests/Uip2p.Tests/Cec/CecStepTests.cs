using TorchSharp;
using Uip2p.Cec;
using Uip2p.Data;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Tests.Training;
using Uip2p.Training;
using static TorchSharp.torch;

namespace Uip2p.Tests.Cec;

/// <summary>The CEC step on the tiny world: where gradients go, what the losses do, the attention maps.</summary>
public class CecStepTests
{
    static (EditingComponents Components, EditBatch Batch) Setup(int rows = 4)
    {
        var components = EditingComponents.Load(TinyWorld.Components);
        var dataset = new EditDataset(TinyWorld.Data);
        var batches = new EditBatches(dataset, dataset.ReadAll(), seed: 0, resolution: 64);
        return (components, batches.Batch(0, rows));
    }

    [Fact]
    public void Gradients_reach_the_unet_and_not_the_frozen_models()
    {
        var (c, batch) = Setup();
        var unet = c.LoadEditor();
        var step = new CecStep(unet, c, new CecOptions { ConditioningDropout = 0 });
        using var g = Seeding.Generator(1);
        var result = step.Run(batch, g);
        Assert.Equal(batch.Count, result.CycleRows);
        result.Total.backward();
        var grads = unet.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        Assert.All(new[] { "conv_in.weight", "conv_out.weight" }, k => Assert.True(grads[k] is { } t && t.abs().sum().item<float>() > 0, k));
        // L_attn reaches the cross-attention keys (the maps are differentiable).
        Assert.Contains(grads, kv => kv.Key.EndsWith("attn2.to_k.weight", StringComparison.Ordinal) && kv.Value is { } t && t.abs().sum().item<float>() > 0);
        foreach (var frozen in new nn.Module[] { c.Vae, c.Clip, c.TextEncoder })
            Assert.All(frozen.parameters(), p => { Assert.False(p.requires_grad); Assert.Null(p.grad); });
        foreach (var (name, value) in result.Terms) Assert.True(float.IsFinite(value.item<float>()), name);
    }

    [Fact]
    public void A_few_steps_on_a_fixed_batch_reduce_L_CEC()
    {
        var (c, batch) = Setup();
        var unet = c.LoadEditor();
        unet.train();
        var step = new CecStep(unet, c, new CecOptions { ConditioningDropout = 0 });
        var optimizer = optim.AdamW(unet.parameters(), 2e-3);
        var losses = new List<float>();
        for (int i = 0; i < 8; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var g = Seeding.Generator(7);  // the same t, t̂ and noise every step: a fixed objective
            var total = step.Run(batch, g).Total;
            losses.Add(total.item<float>());
            total.backward();
            optimizer.step();
        }
        Assert.True(losses[^1] < losses[0] * 0.9, $"L_CEC did not fall: {string.Join(", ", losses)}");
    }

    [Fact]
    public void Dropped_rows_leave_the_cycle_and_learn_to_denoise_their_input()
    {
        var (c, batch) = Setup();
        var step = new CecStep(c.LoadEditor(), c, new CecOptions { ConditioningDropout = 1.0 / 3 + 1e-9 });  // every row drops something
        using var g = Seeding.Generator(1);
        using var _ = no_grad();
        var result = step.Run(batch, g);
        Assert.Equal(0, result.CycleRows);
        Assert.True(result.Unconditional.item<float>() > 0);
        Assert.Equal(result.Unconditional.item<float>(), result.Total.item<float>(), 5);
    }

    [Fact]
    public void Instruction_maps_cover_only_the_instruction_words()
    {
        var mask = InstructionAttention.TokenMask([5, 3, 2], 8);
        Assert.Equal(new float[] { 0, 1, 1, 1, 0, 0, 0, 0 }, mask[0].data<float>().ToArray());
        Assert.Equal(new float[] { 0, 1, 0, 0, 0, 0, 0, 0 }, mask[1].data<float>().ToArray());
        Assert.Equal(0, mask[2].sum().item<float>());   // an empty instruction: start and end only

        var (c, batch) = Setup(2);
        var unet = c.LoadEditor();
        using var store = new Uip2p.Models.Diffusion.AttentionStore().Attach(unet);
        using var _ = no_grad();
        var text = c.EncodeInstructions(batch.Instructions, out var lengths);
        unet.Forward(randn(2, 8, 8, 8), tensor(new long[] { 500, 500 }), text);
        var maps = InstructionAttention.Maps(store, InstructionAttention.TokenMask(lengths, c.Tokenizer.ContextLength), tensor(new long[] { 0, 1 }), 8, 8);
        Assert.Equal(store.Records.Count, maps.Count);
        foreach (var m in maps)
        {
            Assert.Equal(new long[] { 2, 64 }, m.shape);
            Assert.True(m.min().item<float>() >= 0 && m.max().item<float>() <= 1 + 1e-5);   // a share of the attention mass
        }
    }
}
