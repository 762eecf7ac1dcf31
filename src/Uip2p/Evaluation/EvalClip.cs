using TorchSharp;
using Uip2p.Models.Clip;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.Evaluation;

/// <summary>
/// A CLIP model used as an evaluator (CLIP-I, CLIP-T, ClipSimilarity), with the tokenizer and preprocessing
/// the reference code uses: openai's <c>clip.tokenize</c> (padding 0 to the model's context, 77 ids), <c>_transform(R)</c> with R the
/// model's own input resolution. Features are computed once per image file and kept.
/// </summary>
public sealed class EvalClip
{
    readonly Dictionary<string, float[]> _imageFeatures = new();
    readonly Dictionary<string, Tensor> _ip2pImage = new();
    readonly Dictionary<string, Tensor> _text = new();
    readonly Dictionary<string, float[]> _textFeatures = new();

    public EvalClip(ClipModel model, ClipTokenizer tokenizer, string source, Device? device = null)
    {
        Model = model;
        Tokenizer = tokenizer;
        Source = source;
        Device = device ?? CPU;
        Model.to(Device);
        Model.eval();
    }

    public ClipModel Model { get; }
    public ClipTokenizer Tokenizer { get; }
    public string Source { get; }
    public Device Device { get; }

    /// <summary>The input resolution R of the vision tower (224 for ViT-B/32 and ViT-L/14), read from the model's config.</summary>
    public int Resolution => Model.Config.Vision.ImageSize;

    /// <summary>
    /// Loads a CLIP folder (either layout <see cref="ClipCheckpoints.LoadModel"/> reads). The tokenizer is <paramref name="tokenizerDir"/>,
    /// else the folder itself or its <c>tokenizer/</c> (vocab.json + merges.txt).
    /// </summary>
    public static EvalClip Load(string folder, string? tokenizerDir = null, Device? device = null)
    {
        var model = ClipCheckpoints.LoadModel(folder);
        string tok = tokenizerDir ?? (File.Exists(Path.Combine(folder, "vocab.json")) ? folder : Path.Combine(folder, "tokenizer"));
        if (!File.Exists(Path.Combine(tok, "vocab.json")) && !tok.EndsWith(".gz", StringComparison.Ordinal))
            throw new FileNotFoundException($"{folder}: no CLIP tokenizer (vocab.json + merges.txt) in the folder or its tokenizer/; give one with --tokenizer.", Path.Combine(tok, "vocab.json"));
        // clip.tokenize pads with 0 to the model's context (77 for every openai CLIP; the world's CLIP is shorter).
        int context = model.Config.Text.MaxPositionEmbeddings;
        var tokenizer = tok.EndsWith(".gz", StringComparison.Ordinal) ? ClipTokenizer.FromOpenAiBpe(tok, padId: 0, contextLength: context) : ClipTokenizer.FromFolder(tok, padId: 0, contextLength: context);
        return new EvalClip(model, tokenizer, folder, device);
    }

    /// <summary><c>model.encode_image(_transform(R)(image))</c>, not normalised (MagicBrush's CLIP-I / CLIP-T).</summary>
    public float[] ImageFeatures(string path)
    {
        string key = Path.GetFullPath(path);
        if (_imageFeatures.TryGetValue(key, out var cached)) return cached;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var input = ReferenceTransforms.ClipInput(RgbPixels.Load(path), Resolution).to(Device);
        var features = Model.EncodePreprocessedImage(input).to(ScalarType.Float32).cpu().data<float>().ToArray();
        _imageFeatures[key] = features;
        return features;
    }

    /// <summary>
    /// openai's <c>clip.tokenize(caption)</c>: SOT + BPE + EOT padded with 0 to 77. <paramref name="truncate"/> false
    /// (MagicBrush's CLIP-T) makes a caption over 75 BPE tokens an error, as there; true (ClipSimilarity) cuts it.
    /// </summary>
    public Tensor Tokenize(string caption, bool truncate)
    {
        var ids = Tokenizer.EncodeUntruncated(caption);
        if (!truncate && ids.Count > Tokenizer.ContextLength)
            throw new InvalidDataException($"caption \"{caption}\" is {ids.Count - 2} BPE tokens, more than the {Tokenizer.ContextLength - 2} clip.tokenize allows without truncation.");
        var encoded = Tokenizer.Encode(caption);
        return tensor(encoded.Ids.Select(i => (long)i).ToArray(), [1, encoded.Ids.Length], ScalarType.Int64);
    }

    /// <summary><c>model.encode_text(clip.tokenize(caption))</c>, not normalised (MagicBrush's CLIP-T; no truncation).</summary>
    public float[] TextFeatures(string caption)
    {
        if (!_textFeatures.TryGetValue(caption, out var cached))
        {
            using var t = EncodeText(caption, truncate: false, normalise: false);
            _textFeatures[caption] = cached = t.data<float>().ToArray();
        }
        return cached;
    }

    /// <summary>ClipSimilarity's <c>encode_image</c>: squashed bicubic interpolation to R, CLIP mean/std, encode, L2-normalise; <c>[1,E]</c> on the CPU (kept: do not dispose).</summary>
    public Tensor Ip2pImageFeatures(string path)
    {
        string key = Path.GetFullPath(path);
        if (_ip2pImage.TryGetValue(key, out var cached)) return cached;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var f = Model.EncodePreprocessedImage(ReferenceTransforms.Ip2pInput(RgbPixels.Load(path), Resolution).to(Device)).to(ScalarType.Float32).cpu();
        var normed = (f / f.norm(1, keepdim: true)).DetachFromDisposeScope();
        _ip2pImage[key] = normed;
        return normed;
    }

    /// <summary>ClipSimilarity's <c>encode_text</c>: <c>clip.tokenize(text, truncate=True)</c>, encode, L2-normalise; <c>[1,E]</c> (kept).</summary>
    public Tensor Ip2pTextFeatures(string caption)
    {
        if (_text.TryGetValue(caption, out var cached)) return cached;
        var t = EncodeText(caption, truncate: true, normalise: true);
        _text[caption] = t;
        return t;
    }

    Tensor EncodeText(string caption, bool truncate, bool normalise)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var f = Model.EncodeText(Tokenize(caption, truncate).to(Device)).to(ScalarType.Float32).cpu();
        if (normalise) f = f / f.norm(1, keepdim: true);
        return f.DetachFromDisposeScope();
    }
}
