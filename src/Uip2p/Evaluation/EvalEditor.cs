using Uip2p.Checkpoints;
using Uip2p.Imaging;
using Uip2p.Models.Clip;
using Uip2p.Pipelines;
using static TorchSharp.torch;

namespace Uip2p.Evaluation;

/// <summary>
/// Edits evaluation sessions the way MagicBrush's inference script (<c>edit_cli_single_multi_turn.py</c>) does and
/// writes its generated layout: single-turn, every turn from its ground-truth input (<c>&lt;id&gt;_1.png</c>,
/// <c>&lt;id&gt;_inde_&lt;k&gt;.png</c>); multi-turn, each turn from the previous generated image
/// (<c>&lt;id&gt;_iter_&lt;k&gt;.png</c>; turn 1 is shared). Every image is written atomically, so a rerun resumes
/// by skipping the files that exist. Every edit uses the same seed, as the script seeds each call.
/// </summary>
public sealed class EvalEditor(InstructPix2PixPipeline pipeline, EditOptions options, int? resolution = null)
{
    public InstructPix2PixPipeline Pipeline { get; } = pipeline;
    public EditOptions Options { get; } = options;

    /// <summary>About N×N pixels (aspect kept, sides multiples of the VAE factor) before editing; null: the input size floored.</summary>
    public int? Resolution { get; } = resolution;

    /// <summary>
    /// Loads an InstructPix2Pix diffusers folder. A folder with an <c>editor/</c> UNet (the world's components, a
    /// trained run's model) edits with it; otherwise <c>unet/</c> must take 8 input channels.
    /// </summary>
    public static InstructPix2PixPipeline LoadPipeline(string folder, Device device)
    {
        string editor = Path.Combine(folder, "editor");
        if (!Directory.Exists(editor))
        {
            var p = InstructPix2PixPipeline.Load(folder, device);
            if (p.Unet.Config.InChannels != 2 * p.Vae.Config.LatentChannels)
                throw new InvalidDataException($"{folder}/unet takes {p.Unet.Config.InChannels} input channels; an InstructPix2Pix UNet takes {2 * p.Vae.Config.LatentChannels} (latent + image latent).");
            return p;
        }
        var unet = DiffusersFolder.LoadUNet(editor);
        var vae = DiffusersFolder.LoadVae(Path.Combine(folder, "vae"));
        var text = ClipCheckpoints.LoadTextModel(Path.Combine(folder, "text_encoder"));
        var tokenizer = DiffusersFolder.LoadTokenizer(Path.Combine(folder, "tokenizer"));
        var scheduler = DiffusersFolder.LoadSchedulerConfig(Path.Combine(folder, "scheduler"));
        return new InstructPix2PixPipeline(unet, vae, scheduler, text, tokenizer).To(device);
    }

    /// <summary>The files <see cref="Run"/> writes for these sessions, in order.</summary>
    public static List<(GroundTruthSession Session, int Turn, bool Iterated, string Path)> Plan(IReadOnlyList<GroundTruthSession> sessions, string generatedDir, bool multiTurn)
    {
        var plan = new List<(GroundTruthSession, int, bool, string)>();
        foreach (var s in sessions)
        {
            for (int t = 1; t <= s.Outputs.Count; t++)
                plan.Add((s, t, false, Path.Combine(generatedDir, s.Id, MagicBrushLayout.GeneratedName(s.Id, t, false))));
            if (multiTurn)
                for (int t = 2; t <= s.Outputs.Count; t++)
                    plan.Add((s, t, true, Path.Combine(generatedDir, s.Id, MagicBrushLayout.GeneratedName(s.Id, t, true))));
        }
        return plan;
    }

    /// <summary>
    /// Writes every planned image that does not exist yet; <paramref name="progress"/> gets (done, total, skipped).
    /// Returns how many were edited now.
    /// </summary>
    public int Run(IReadOnlyList<GroundTruthSession> sessions, string generatedDir, bool multiTurn, Action<int, int, int>? progress = null)
    {
        var plan = Plan(sessions, generatedDir, multiTurn);
        int done = 0, skipped = 0, edited = 0;
        foreach (var (session, turn, iterated, path) in plan)
        {
            if (File.Exists(path)) skipped++;
            else
            {
                var instructions = session.Instructions ?? throw new InvalidDataException($"session '{session.Id}' has no instructions to edit with.");
                // Iterated turn k starts from the generated image of turn k − 1 (turn 1's is <id>_1).
                string input = iterated ? Path.Combine(generatedDir, session.Id, MagicBrushLayout.GeneratedName(session.Id, turn - 1, turn - 1 > 1)) : session.Inputs[turn - 1];
                Edit(input, instructions[turn - 1], path);
                edited++;
            }
            progress?.Invoke(++done, plan.Count, skipped);
        }
        return edited;
    }

    void Edit(string input, string instruction, string output)
    {
        using var scope = NewDisposeScope();
        var image = ImageIO.Load(input);
        if (Resolution is int side)
        {
            var (h, w) = ImageOps.FitArea((int)image.shape[2], (int)image.shape[3], (long)side * side, Pipeline.Vae.Config.DownsampleFactor);
            image = ImageOps.Resize(image, h, w, InterpolationMode.Bicubic).clamp(0, 1);
        }
        var edited = Pipeline.Edit(image, [instruction], Options);
        ImageIO.Save(edited, output);
    }
}
