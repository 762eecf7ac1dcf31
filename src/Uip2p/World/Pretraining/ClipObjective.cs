using TorchSharp;
using Uip2p.Cec;
using Uip2p.Models.Clip;
using Uip2p.Objectives;
using Uip2p.Runtime;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.World.Pretraining;

/// <summary>
/// The CLIP stage: CLIP's symmetric contrastive loss L = ½(CE(S, P) + CE(Sᵀ, Pᵀ)) over a batch of scenes and their shape
/// twins, S the image–caption logits and P the soft targets (identical scenes drawn twice are positives for each other).
/// With the twins colour and layout no longer tell a pair apart, shape must. Images move by ±2 px (edge-replicated), so
/// CLIP reads layout rather than exact pixels. Captions are drawn anew from (seed, step).
/// </summary>
public sealed class ClipObjective(ClipModel clip, PretrainScenes data, ClipTokenizer tokenizer) : ITrainingObjective<SceneBatch>
{
    /// <summary>Share of the batch whose image's best caption is its own (a reading, not a loss).</summary>
    public const string BatchTop1 = "clip/batch_top1";

    public ILossTerms Loss(SceneBatch batch, Generator generator)
    {
        var idx = batch.Indices;
        var random = new Random(StableSeed.Of(data.Config.Seed, "captions", batch.Step));
        var scenes = idx.Select(i => data.Scenes[i]).Concat(idx.Select(i => data.Twins[i])).ToList();
        var captions = scenes.Select(sc => Captioner.Caption(sc, random)).ToList();
        var images = Shift(cat([PretrainScenes.Rows(data.Images, idx), PretrainScenes.Rows(data.TwinImages, idx)], 0), random);
        var logits = clip.forward(ClipPreprocessing.Normalize(images, ClipPreprocessing.Mean, ClipPreprocessing.Std), tokenizer.EncodeBatch(captions));
        var same = SameSceneMask(scenes);
        var loss = (SoftCrossEntropy(logits, same) + SoftCrossEntropy(logits.T, same.T)) / 2;
        var top1 = logits.argmax(1).eq(arange(scenes.Count)).to(ScalarType.Float32).mean();
        return new LossTerms(loss, new Dictionary<string, Tensor> { [LossNames.Contrastive] = loss, [BatchTop1] = top1 });
    }

    /// <summary>Soft targets: each row spreads over the scenes identical to its own (itself included).</summary>
    static Tensor SameSceneMask(IReadOnlyList<Scene> scenes)
    {
        int n = scenes.Count;
        var m = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i * n + j] = i == j || scenes[i].SameAs(scenes[j]) ? 1 : 0;
        var t = tensor(m, [n, n]);
        return t / t.sum(1, keepdim: true);
    }

    static Tensor SoftCrossEntropy(Tensor logits, Tensor targets) => -(targets * logits.log_softmax(1)).sum(1).mean();

    /// <summary>±2 px random translation (edge-replicated).</summary>
    static Tensor Shift(Tensor images, Random random) => ClipViews.Shift(images, random.Next(-2, 3), random.Next(-2, 3), pad: 2);
}
