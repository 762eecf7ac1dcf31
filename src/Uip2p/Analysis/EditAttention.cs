using Uip2p.Models.Diffusion;
using Uip2p.Pipelines;
using static TorchSharp.torch;

namespace Uip2p.Analysis;

/// <summary>
/// The cross-attention of one instruction edit, recorded at every sampling step and cross-attention layer
/// (probabilities averaged over heads), for the fully conditioned third of the pipeline's three-way guidance
/// batch only — the other two thirds attend to the empty prompt. The aggregate is Prompt-to-Prompt's:
/// the mean over heads, the layers of one resolution and the steps.
/// </summary>
public sealed class EditAttention : IDisposable
{
    EditAttention(Tensor input, Tensor output, string instruction, IReadOnlyList<string> tokens, AttentionStore store, Func<string, string> shortName)
    {
        Input = input; Output = output; Instruction = instruction; Tokens = tokens; Store = store; _shortName = shortName;
    }

    readonly Func<string, string> _shortName;

    /// <summary>The image edited and the edit, <c>[3,H,W]</c> in [0,1].</summary>
    public Tensor Input { get; }
    public Tensor Output { get; }
    public string Instruction { get; }

    /// <summary>The instruction's token labels, start and end tokens included (padding left out).</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Every record: one per (step, layer).</summary>
    public AttentionStore Store { get; }

    /// <summary>Layer names in the UNet's order.</summary>
    public IReadOnlyList<string> Layers => Store.Records.Select(r => r.Layer).Distinct().ToList();

    /// <summary>Feature-map resolutions, largest first.</summary>
    public IReadOnlyList<(int Height, int Width)> Resolutions =>
        Store.Records.Select(r => (r.Height, r.Width)).Distinct().OrderByDescending(r => r.Height * r.Width).ToList();

    /// <summary>The sampling steps recorded (indices into the scheduler's timesteps).</summary>
    public IReadOnlyList<int> Steps => Store.Records.Select(r => r.Step).Distinct().Order().ToList();

    /// <summary>The position of <paramref name="word"/> among <see cref="Tokens"/> (first match).</summary>
    public int TokenIndex(string word)
    {
        for (int i = 0; i < Tokens.Count; i++) if (string.Equals(Tokens[i], word, StringComparison.OrdinalIgnoreCase)) return i;
        throw new ArgumentException($"'{word}' is not one of the instruction's tokens: {string.Join(" ", Tokens)}.");
    }

    /// <summary>The instruction's last word (the attribute or target of most edits: "… orange", "… black").</summary>
    public int LastWord => Math.Max(0, Tokens.Count - 2);

    /// <summary>
    /// Per token, the share of the fully conditioned attention it receives at <paramref name="resolution"/>
    /// (mean over positions of the aggregate; the shares of one instruction and its padding sum to 1).
    /// </summary>
    public Microsoft.Data.Analysis.DataFrame TokenShares((int Height, int Width) resolution)
    {
        using var scope = NewDisposeScope();
        var shares = Aggregate(resolution).mean([1, 2]).data<float>().ToArray();
        return new Microsoft.Data.Analysis.DataFrame(
            new Microsoft.Data.Analysis.Int32DataFrameColumn("position", Enumerable.Range(0, Tokens.Count)),
            new Microsoft.Data.Analysis.StringDataFrameColumn("token", Tokens),
            new Microsoft.Data.Analysis.DoubleDataFrameColumn("attention share", shares.Select(v => (double)v)));
    }

    /// <summary>A compact layer label for figures ("down0 attn2", "mid attn2", "up2 attn2").</summary>
    public string ShortName(string layer) => _shortName(layer);

    /// <summary>
    /// Runs <paramref name="pipeline"/> on one image <c>[3,H,W]</c> with a capturing attention processor on every
    /// cross-attention layer (restored afterwards) and keeps the maps.
    /// </summary>
    public static EditAttention Capture(InstructPix2PixPipeline pipeline, Tensor image, string instruction, EditOptions options)
    {
        var tokenizer = pipeline.Tokenizer ?? throw new InvalidOperationException("The pipeline has no tokenizer: token labels need one.");
        if (image.dim() != 3) throw new ArgumentException($"One image [3,H,W] is edited at a time; got [{string.Join(",", image.shape)}].");
        // Row 0 of the [text+image, image only, unconditional] batch is the fully conditioned one.
        var store = new AttentionStore(new AttentionStoreOptions { Rows = (0, 1) });
        Tensor output;
        try
        {
            using (store.AttachFor(pipeline.Unet))
                output = pipeline.Edit(image.unsqueeze(0), [instruction], options with { Attention = store })[0];
        }
        catch
        {
            store.Dispose();
            throw;
        }
        var encoded = tokenizer.Encode(instruction);
        var labels = tokenizer.Labels(encoded).Take(encoded.Length).ToList();
        var input = image.detach().cpu().clone();
        var result = output.detach().cpu().clone();
        input.DetachFromDisposeScope();
        result.DetachFromDisposeScope();
        return new EditAttention(input, result, instruction, labels, store, LayerNames.Short);
    }

    /// <summary>
    /// Prompt-to-Prompt's aggregate at one resolution: per token, the mean over heads, the layers of that
    /// resolution and the selected steps (default all): <c>[tokens, h, w]</c>.
    /// </summary>
    public Tensor Aggregate((int Height, int Width) resolution, Func<int, bool>? steps = null)
    {
        var (h, w) = resolution;
        var maps = Store.TokenMaps(h, w, r => r.Height == h && r.Width == w && (steps?.Invoke(r.Step) ?? true));
        return maps[0, ..Tokens.Count];
    }

    /// <summary>One layer's map of one token, averaged over the steps: <c>[h, w]</c> at the layer's resolution.</summary>
    public Tensor LayerMap(string layer, int token) => Mean(Store.Records.Where(r => r.Layer == layer), token);

    /// <summary>One step's map of one token at one resolution (mean over that resolution's layers): <c>[h, w]</c>.</summary>
    public Tensor StepMap(int step, int token, (int Height, int Width) resolution) =>
        Mean(Store.Records.Where(r => r.Step == step && r.Height == resolution.Height && r.Width == resolution.Width), token);

    static Tensor Mean(IEnumerable<AttentionRecord> records, int token)
    {
        var list = records.ToList();
        if (list.Count == 0) throw new ArgumentException("No attention was recorded for that layer, step or resolution.");
        using var scope = NewDisposeScope();
        var sum = list.Select(r => r.Maps()[0, .., token].mean([0]) / r.Count).Aggregate((a, b) => a + b);
        return (sum / list.Count).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Store.Dispose();
        Input.Dispose();
        Output.Dispose();
    }
}

/// <summary>Compact names of diffusers' attention layers for figure captions.</summary>
public static class LayerNames
{
    /// <summary>"down_blocks.1.attentions.0.transformer_blocks.0.attn2" → "down1.0 attn2"; "mid_block…attn2" → "mid attn2".</summary>
    public static string Short(string layer)
    {
        var parts = layer.Split('.');
        string block = parts[0] switch
        {
            "down_blocks" when parts.Length > 3 => $"down{parts[1]}.{parts[3]}",
            "up_blocks" when parts.Length > 3 => $"up{parts[1]}.{parts[3]}",
            "mid_block" => "mid",
            _ => parts[0],
        };
        return $"{block} {parts[^1]}";
    }
}
