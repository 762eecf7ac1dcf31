using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using Uip2p.Models;

namespace Uip2p.Models.Dino;

/// <summary>Patch projection (<c>patch_embed.proj</c>, a strided convolution with bias).</summary>
public sealed class DinoPatchEmbed : Module<Tensor, Tensor>
{
    readonly Conv proj;

    public DinoPatchEmbed(DinoConfig c) : base(nameof(DinoPatchEmbed))
    {
        proj = new Conv(3, c.EmbedDim, c.PatchSize, stride: c.PatchSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = proj.call(x);
        return y.flatten(2).transpose(1, 2);
    }
}

/// <summary>Self-attention with one fused <c>qkv</c> projection laid out <c>[3, heads, head_dim]</c>.</summary>
public sealed class DinoAttention : Module<Tensor, Tensor>
{
    readonly Linear qkv, proj;
    readonly int _heads;

    public DinoAttention(DinoConfig c) : base(nameof(DinoAttention))
    {
        qkv = Linear(c.EmbedDim, 3 * c.EmbedDim, hasBias: c.QkvBias);
        proj = Linear(c.EmbedDim, c.EmbedDim);
        _heads = c.NumHeads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = Scopes.ForInference();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        var parts = qkv.call(x).reshape(b, n, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4);
        var o = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
        return scope.Keep(proj.call(o.transpose(1, 2).reshape(b, n, c)));
    }
}

/// <summary>fc1 → exact GELU → fc2.</summary>
public sealed class DinoMlp : Module<Tensor, Tensor>
{
    readonly Linear fc1, fc2;

    public DinoMlp(DinoConfig c) : base(nameof(DinoMlp))
    {
        fc1 = Linear(c.EmbedDim, c.MlpHidden);
        fc2 = Linear(c.MlpHidden, c.EmbedDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = fc1.call(x);
        var a = nn.functional.gelu(h);
        return fc2.call(a);
    }
}

/// <summary>Pre-LN block: <c>x + attn(norm1(x))</c>, <c>x + mlp(norm2(x))</c>.</summary>
public sealed class DinoBlock : Module<Tensor, Tensor>
{
    readonly LayerNorm norm1, norm2;
    readonly DinoAttention attn;
    readonly DinoMlp mlp;

    public DinoBlock(DinoConfig c) : base(nameof(DinoBlock))
    {
        norm1 = LayerNorm(c.EmbedDim, c.LayerNormEps);
        attn = new DinoAttention(c);
        norm2 = LayerNorm(c.EmbedDim, c.LayerNormEps);
        mlp = new DinoMlp(c);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = Scopes.ForInference();
        var h = x + attn.call(norm1.call(x));
        return scope.Keep(h + mlp.call(norm2.call(h)));
    }
}

/// <summary>
/// facebookresearch/dino's <c>VisionTransformer</c> (its naming: <c>cls_token</c>, <c>pos_embed</c>,
/// <c>patch_embed.proj</c>, <c>blocks.N.*</c>, <c>norm</c>). <see cref="forward"/> returns the CLS embedding
/// after the final norm, which MagicBrush's DINO metric compares; other image sizes interpolate the
/// position embeddings bicubically as DINO does.
/// </summary>
public sealed class DinoVisionTransformer : Module<Tensor, Tensor>
{
    readonly Parameter cls_token, pos_embed;
    readonly DinoPatchEmbed patch_embed;
    readonly ModuleList<DinoBlock> blocks;
    readonly LayerNorm norm;

    public DinoVisionTransformer(DinoConfig config) : base(nameof(DinoVisionTransformer))
    {
        Config = config;
        cls_token = Parameter(zeros(1, 1, config.EmbedDim));
        pos_embed = Parameter(zeros(1, config.NumPatches + 1, config.EmbedDim));
        patch_embed = new DinoPatchEmbed(config);
        blocks = new ModuleList<DinoBlock>(Enumerable.Range(0, config.Depth).Select(_ => new DinoBlock(config)).ToArray());
        norm = LayerNorm(config.EmbedDim, config.LayerNormEps);
        RegisterComponents();
    }

    public DinoConfig Config { get; }

    /// <summary>CLS embedding <c>[B, D]</c> of normalised pixels.</summary>
    public override Tensor forward(Tensor pixels)
    {
        var tokens = Tokens(pixels);
        return tokens[.., 0].clone();
    }

    /// <summary>All tokens after the final norm <c>[B, 1+N, D]</c>.</summary>
    public Tensor Tokens(Tensor pixels)
    {
        using var scope = Scopes.ForInference();
        var x = patch_embed.call(pixels);
        x = cat([cls_token.expand(x.shape[0], -1, -1), x], 1);
        x = x + InterpolatePositions(x.shape[1] - 1, pixels.shape[2], pixels.shape[3]);
        foreach (var block in blocks) x = block.call(x);
        return scope.Keep(norm.call(x));
    }

    /// <summary>
    /// DINO's <c>interpolate_pos_encoding</c>: the patch grid of the position embedding resized bicubically
    /// with scale factors <c>((H/p + 0.1)/√N, (W/p + 0.1)/√N)</c> (the 0.1 avoids floating-point rounding down).
    /// </summary>
    public Tensor InterpolatePositions(long patches, long height, long width)
    {
        long n = pos_embed.shape[1] - 1;
        if (patches == n && height == width) return pos_embed.alias();
        using var scope = Scopes.ForInference();
        long dim = pos_embed.shape[2];
        int side = (int)Math.Sqrt(n);
        var classPos = pos_embed[.., 0].unsqueeze(1);
        var grid = pos_embed[.., 1..].reshape(1, side, side, dim).permute(0, 3, 1, 2);
        double h0 = height / (double)Config.PatchSize + 0.1, w0 = width / (double)Config.PatchSize + 0.1;
        var resized = nn.functional.interpolate(grid, scale_factor: [h0 / side, w0 / side], mode: InterpolationMode.Bicubic, align_corners: false);
        if (resized.shape[2] != (long)h0 || resized.shape[3] != (long)w0)
            throw new InvalidOperationException($"Position grid resized to {resized.shape[2]}×{resized.shape[3]}, expected {(long)h0}×{(long)w0}.");
        var patchPos = resized.permute(0, 2, 3, 1).reshape(1, -1, dim);
        return scope.Keep(cat([classPos, patchPos], 1));
    }
}
