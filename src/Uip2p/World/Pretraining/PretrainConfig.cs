using System.Text.Json;
using System.Text.Json.Nodes;
using Uip2p.IO;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;

namespace Uip2p.World.Pretraining;

/// <summary>Sizes, budgets and objectives of the world's pretrained components (each stage's time on 2 cores is in pretrain.json).</summary>
public sealed record PretrainConfig
{
    public int Seed { get; init; } = 1;
    public int ImageSize { get; init; } = 64;
    /// <summary>Rendered training scenes (captions are drawn anew each time a scene is used).</summary>
    public int Scenes { get; init; } = 4000;
    public int VaeSteps { get; init; } = 1500;
    /// <summary>Batch 8: on 2 cores PSNR per second of training is the same as with 16, and the steps are cheaper to checkpoint.</summary>
    public int VaeBatch { get; init; } = 8;
    public double VaeLearningRate { get; init; } = 2e-3;
    /// <summary>Extra weight of object pixels in the VAE's reconstruction loss (background pixels weigh 1).</summary>
    public double VaeObjectWeight { get; init; } = 10;
    /// <summary>
    /// Most objects in a VAE training scene (the world's captioned scenes have 1–3; null trains on those).
    /// Denser scenes put more object pixels — what the decoder finds hard — into every step, and the
    /// backgrounds stay visible between them.
    /// </summary>
    public int? VaeMaxObjects { get; init; } = 9;
    /// <summary>
    /// Noise added to the posterior mean while the VAE trains, as a fraction of the batch's latent spread.
    /// The decoder must draw sensible images from slightly wrong latents — what a diffusion model's samples
    /// and one-step x̂₀ predictions are. (A fixed σ does not do it: the encoder simply grows its latents.)
    /// </summary>
    public double VaeLatentNoise { get; init; } = 0.2;
    public int ClipSteps { get; init; } = 1200;
    /// <summary>Half the batch are scenes, half their shape twins (the same scene with one object's shape changed).</summary>
    public int ClipBatch { get; init; } = 96;
    public double ClipLearningRate { get; init; } = 1e-3;
    public int UnetSteps { get; init; } = 1500;
    public int UnetBatch { get; init; } = 32;
    /// <summary>2e-3: at 1e-3 the UNet follows its captions far less in the same steps (text-to-image 54.7 % vs 65.6 %).</summary>
    public double UnetLearningRate { get; init; } = 2e-3;
    public double CaptionDropout { get; init; } = 0.1;
    /// <summary>
    /// Share of rendered scenes (VAE, CLIP, UNet and editor data) shown in black and white: grayscale edits and their
    /// reverses start or end there, and a VAE that never saw grey objects decodes them pink, purple or green.
    /// </summary>
    public double GrayscaleShare { get; init; } = 0.15;
    /// <summary>
    /// The UNets' training target, written into <c>scheduler/</c>: <c>v_prediction</c> gives one-step x̂₀ that
    /// CEC decodes without ε-prediction's 1/√ᾱ_t error growth (11× at t = 950); <c>epsilon</c> is DDPM's.
    /// </summary>
    public string PredictionType { get; init; } = "v_prediction";
    /// <summary>Steps of the editor stage: the text-to-image UNet widened to 8 channels and taught to reproduce its input.</summary>
    public int EditorSteps { get; init; } = 1000;
    public int EditorBatch { get; init; } = 32;
    public double EditorLearningRate { get; init; } = 5e-4;
    /// <summary>
    /// Share of the editor stage's image-conditioned rows that carry a real instruction (the rest an empty one);
    /// either way the target is the input. The start then ignores what it is told — instruction guidance adds
    /// nothing and the scene stays — and editing training only has to teach what an instruction changes.
    /// </summary>
    public double EditorInstructionShare { get; init; } = 0.5;
    public int CheckpointEvery { get; init; } = 200;

    /// <summary>
    /// This config with <c>key=value</c> overrides of its scalar settings, keys in snake_case as
    /// <c>uip2p train --set</c> takes them (<c>vae_steps=2200</c>, <c>vae_max_objects=null</c>).
    /// </summary>
    public PretrainConfig With(IEnumerable<string> assignments)
    {
        var list = assignments.ToList();
        if (list.Count == 0) return this;
        var root = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        foreach (string assignment in list)
        {
            var change = new JsonObject();
            JsonSettings.Override(change, assignment, typeof(PretrainConfig));
            JsonSettings.Validate(change, typeof(PretrainConfig), $"--set '{assignment}'");
            JsonSettings.Merge(root, change);
        }
        return root.Deserialize<PretrainConfig>(Json)!;
    }

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Factor-4 VAE, 4 latent channels: 64×64 → 16×16×4. (Factor 8 kept 25 dB and lost shapes; 16 latent channels on
    /// the 8×8 grid — the same 1,024 numbers — only reached 26.6 dB: the finer grid is what helps.)
    /// </summary>
    public AutoencoderKLConfig Vae { get; init; } = new()
    {
        BlockOutChannels = [16, 32, 64], LayersPerBlock = 1, LatentChannels = 4, NormNumGroups = 8, SampleSize = 64,
    };

    /// <summary>ViT vision tower (8-px patches) and a text tower over the world's vocabulary (32 tokens).</summary>
    public ClipConfig Clip { get; init; } = new()
    {
        ProjectionDim = 64,
        Text = new ClipTextConfig { HiddenSize = 64, IntermediateSize = 256, NumHiddenLayers = 3, NumAttentionHeads = 4, MaxPositionEmbeddings = WorldTokenizer.ContextLength, ProjectionDim = 64 },
        Vision = new ClipVisionConfig { HiddenSize = 96, IntermediateSize = 384, NumHiddenLayers = 3, NumAttentionHeads = 4, ImageSize = 64, PatchSize = 8, ProjectionDim = 64 },
    };

    /// <summary>The CLIP config with the text tower sized to <paramref name="tokenizer"/>'s vocabulary and special tokens.</summary>
    public ClipConfig ClipFor(Text.ClipTokenizer tokenizer) => Clip with
    {
        Text = Clip.Text with { VocabSize = tokenizer.VocabularySize, BosTokenId = tokenizer.StartId, EosTokenId = tokenizer.EndId, PadTokenId = tokenizer.PadId },
    };

    /// <summary>The text-to-image UNet on 16×16×4 latents (4 input channels: the world's "Stable Diffusion").</summary>
    public UNet2DConditionConfig Unet { get; init; } = new()
    {
        SampleSize = 16, InChannels = 4, OutChannels = 4, BlockOutChannels = [32, 64, 64], LayersPerBlock = [1, 1, 1], TransformerLayersPerBlock = [1, 1, 1],
        DownBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        UpBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        CrossAttentionDim = [64, 64, 64], NumAttentionHeads = [4, 4, 4], NormNumGroups = 32,
    };
}
