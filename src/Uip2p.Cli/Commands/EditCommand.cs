using System.CommandLine;
using Spectre.Console;
using Uip2p.Imaging;
using Uip2p.Pipelines;
using Uip2p.Runtime;
using Uip2p.Schedulers;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p edit</c>: edit one image with an instruction using a diffusers InstructPix2Pix folder.</summary>
static class EditCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A diffusers InstructPix2Pix folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/).", Required = true };
        var image = new Option<string>("--image") { Description = "Input image (PNG or JPEG).", Required = true };
        var instruction = new Option<string>("--instruction") { Description = "The edit instruction, e.g. \"make the jacket a rain coat\".", Required = true };
        var output = new Option<string>("--out") { Description = "Output image (.png or .jpg); written atomically.", Required = true };
        var steps = new Option<int>("--steps") { Description = "Sampling steps.", DefaultValueFactory = _ => 100 };
        var textGuidance = new Option<double>("--text-guidance") { Description = "s_T: how strongly to follow the instruction.", DefaultValueFactory = _ => 7.5 };
        var imageGuidance = new Option<double>("--image-guidance") { Description = "s_I: how strongly to stay close to the input.", DefaultValueFactory = _ => 1.5 };
        var seed = new Option<long>("--seed") { Description = "Seed for the initial latents and ancestral noise.", DefaultValueFactory = _ => 0 };
        var sampler = new Option<string>("--sampler") { Description = "euler_a (InstructPix2Pix's default), ddim or ddpm.", DefaultValueFactory = _ => "euler_a" };
        var strength = new Option<double>("--strength") { Description = "1 (InstructPix2Pix): start from noise; below 1: SDEdit-style, from the input noised that fraction of the way (runs that fraction of the steps).", DefaultValueFactory = _ => 1.0 };
        var resolution = new Option<int?>("--resolution") { Description = "Resize to about N×N pixels (aspect kept) before editing; default: the input size floored to a multiple of 8." };
        var command = new Command("edit", "Edit an image with an instruction (dual classifier-free guidance, as InstructPix2Pix).")
        {
            model, image, instruction, output, steps, textGuidance, imageGuidance, seed, sampler, resolution, strength,
        };
        command.SetAction(result =>
        {
            // Every cheap check first: options, then the output path, the model folder's configs and the input image.
            int n = Check.Range("--steps", result.GetValue(steps), 1, 1000);
            Check.Range("--text-guidance", result.GetValue(textGuidance), 0, 100);
            Check.Range("--image-guidance", result.GetValue(imageGuidance), 0, 100);
            Check.Range("--strength", result.GetValue(strength), 0, 1, minExclusive: true);
            Check.OneOf("--sampler", result.GetValue(sampler)!, SchedulerFactory.Names);
            int? side = result.GetValue(resolution) is int r ? Check.Range("--resolution", r, 64, 16384) : null;
            string outPath = Check.OutputFile("--out", result.GetValue(output)!, ".png", ".jpg", ".jpeg");
            string modelDir = Check.ExistingFolder("--model", result.GetValue(model)!);
            string imagePath = Check.ExistingFile("--image", result.GetValue(image)!);
            var (unetConfig, vaeConfig) = InstructPix2PixPipeline.Inspect(modelDir);
            GlobalOptions.Apply(result);
            var input = ImageIO.Load(imagePath);
            int f = vaeConfig.DownsampleFactor;
            var (h, w) = side is int s
                ? ImageOps.FitArea((int)input.shape[2], (int)input.shape[3], (long)s * s, f)
                : ((int)input.shape[2] / f * f, (int)input.shape[3] / f * f);
            if (h < f || w < f) throw new UsageException($"--image {imagePath}: {input.shape[3]}×{input.shape[2]} is smaller than one latent pixel ({f}×{f}); pass --resolution.");
            long need = EditMemory.Estimate(vaeConfig, unetConfig, h, w), free = EditMemory.AvailableBytes();
            if (need > free * 0.8)
                throw new UsageException($"{(side is null ? $"--image {imagePath}" : $"--resolution {side}")}: editing at {w}×{h} needs about {need / 1e9:F1} GB, " +
                    $"more than the {free / 1e9:F1} GB this machine has free; choose a smaller --resolution.");
            if (input.shape[2] != h || input.shape[3] != w)
                input = ImageOps.Resize(input, h, w, TorchSharp.torch.InterpolationMode.Bicubic).clamp(0, 1);
            var pipeline = InstructPix2PixPipeline.Load(modelDir, Devices.Default);
            int run = result.GetValue(strength) < 1 ? Math.Max(1, (int)(n * result.GetValue(strength))) : n;
            TorchSharp.torch.Tensor edited = null!;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"editing ({run} steps)", maxValue: run);
                    edited = pipeline.Edit(input, [result.GetValue(instruction)!], new EditOptions
                    {
                        Steps = n,
                        TextGuidance = result.GetValue(textGuidance),
                        ImageGuidance = result.GetValue(imageGuidance),
                        Seed = result.GetValue(seed),
                        Sampler = result.GetValue(sampler)!,
                        Strength = result.GetValue(strength),
                        OnStep = _ => task.Increment(1),
                    });
                });
            ImageIO.Save(edited, outPath);
            AnsiConsole.MarkupLine($"wrote [green]{Markup.Escape(outPath)}[/] ({edited.shape[3]}×{edited.shape[2]})");
            return 0;
        });
        return command;
    }
}
