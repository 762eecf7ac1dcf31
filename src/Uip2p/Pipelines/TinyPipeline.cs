using TorchSharp;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Runtime;
using Uip2p.Schedulers;
using Uip2p.Text;

namespace Uip2p.Pipelines;

/// <summary>
/// A randomly initialised InstructPix2Pix pipeline of the real classes at toy size (the oracle fixtures'
/// shapes: UNet 32/64/64 channels, VAE factor 4, 2-layer text encoder over a byte-level vocabulary).
/// For tests, benchmarks and trying the verbs without downloading weights; its edits are noise.
/// </summary>
public static class TinyPipeline
{
    public static UNet2DConditionConfig UNetConfig => new()
    {
        SampleSize = 16, InChannels = 8, OutChannels = 4, BlockOutChannels = [32, 64, 64], LayersPerBlock = [2, 2, 2],
        DownBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        UpBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        CrossAttentionDim = [32, 32, 32], NumAttentionHeads = [8, 8, 8], TransformerLayersPerBlock = [1, 1, 1], NormNumGroups = 32,
    };

    public static AutoencoderKLConfig VaeConfig => new() { BlockOutChannels = [32, 64, 64], LayersPerBlock = 2, NormNumGroups = 32, SampleSize = 32 };

    public static ClipTextConfig TextConfig => new()
    {
        VocabSize = 514, HiddenSize = 32, IntermediateSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 4, ProjectionDim = 32,
        BosTokenId = 512, EosTokenId = 513, PadTokenId = 513,
    };

    /// <summary>Builds the pipeline with weights drawn from <paramref name="seed"/> and writes it as a diffusers folder.</summary>
    public static InstructPix2PixPipeline Create(string folder, long seed = 0)
    {
        Seeding.SeedEverything(seed);
        string tokenizerDir = Path.Combine(folder, "tokenizer");
        ByteLevelVocabulary.Write(tokenizerDir);
        var pipeline = new InstructPix2PixPipeline(new UNet2DConditionModel(UNetConfig), new AutoencoderKL(VaeConfig),
            new SchedulerConfig(), new ClipTextModel(TextConfig), ClipTokenizer.FromFolder(tokenizerDir));
        pipeline.Unet.eval();
        pipeline.Vae.eval();
        pipeline.TextEncoder!.eval();
        pipeline.Save(folder, tokenizerDir);
        return pipeline;
    }
}
