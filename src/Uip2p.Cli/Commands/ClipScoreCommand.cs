using System.CommandLine;
using TorchSharp;
using Uip2p.Imaging;
using Uip2p.Models.Clip;
using Uip2p.Runtime;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p clip-score --model DIR --image PATH --text "caption"</c>: image–text cosine similarity.</summary>
static class ClipScoreCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A transformers CLIPModel folder (config.json + model.safetensors; tokenizer files there or in tokenizer/).", Required = true };
        var images = new Option<string[]>("--image") { Description = "Image file(s).", Required = true, AllowMultipleArgumentsPerToken = true };
        var texts = new Option<string[]>("--text") { Description = "Caption(s).", Required = true, AllowMultipleArgumentsPerToken = true };
        var tokenizerOption = new Option<string?>("--tokenizer")
        {
            Description = "Tokenizer folder (vocab.json + merges.txt). Default: the model folder, its tokenizer/, or a tokenizer/ beside it (as in data/world).",
        };
        var command = new Command("clip-score", "Cosine similarity between CLIP image and text embeddings, one row per image and one column per caption.")
        {
            model, images, texts, tokenizerOption,
        };
        command.SetAction(result =>
        {
            string dir = Check.ExistingFolder("--model", result.GetValue(model)!);
            string[] imagePaths = result.GetValue(images)!, captions = result.GetValue(texts)!;
            foreach (string path in imagePaths) Check.ExistingFile("--image", path);
            string tokDir = result.GetValue(tokenizerOption) is { } given ? Check.ExistingFolder("--tokenizer", given) : FindTokenizer(dir);
            GlobalOptions.Apply(result);
            var tokenizer = ClipTokenizer.FromFolder(tokDir);
            var clip = ClipCheckpoints.LoadModel(dir);
            var device = Devices.Default;
            clip.to(device);
            using var _ = no_grad();
            using var ids = tokenizer.EncodeBatch(captions).to(device);
            using var textEmb = clip.EncodeText(ids);
            Console.WriteLine($"{"image",-40} " + string.Join(" ", captions.Select(c => $"{Truncate(c, 24),24}")));
            foreach (string path in imagePaths)
            {
                using var image = ImageIO.Load(path).to(device);
                using var imageEmb = clip.EncodeImage(image);
                using var cos = ClipSimilarity.Cosine(imageEmb, textEmb);
                Console.WriteLine($"{Truncate(Path.GetFileName(path), 40),-40} " + string.Join(" ", cos.cpu().data<float>().ToArray().Select(v => $"{v,24:F4}")));
            }
            return 0;
        });
        return command;
    }

    /// <summary>The model folder itself, its tokenizer/, or a tokenizer/ beside it (a pipeline's clip/ next to tokenizer/).</summary>
    static string FindTokenizer(string model)
    {
        string[] candidates = [model, Path.Combine(model, "tokenizer"), Path.Combine(Path.GetDirectoryName(Path.GetFullPath(model))!, "tokenizer")];
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "vocab.json")))
            ?? throw new UsageException($"--model {model}: no tokenizer (vocab.json + merges.txt) in it, in its tokenizer/ or in a tokenizer/ beside it; pass --tokenizer DIR.");
    }

    static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
