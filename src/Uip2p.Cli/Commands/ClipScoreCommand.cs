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
        var command = new Command("clip-score", "Cosine similarity between CLIP image and text embeddings, one row per image and one column per caption.")
        {
            model, images, texts,
        };
        command.SetAction(result =>
        {
            GlobalOptions.Apply(result);
            string dir = result.GetValue(model)!;
            var clip = ClipCheckpoints.LoadModel(dir);
            var device = Devices.Default;
            clip.to(device);
            string tokDir = File.Exists(Path.Combine(dir, "vocab.json")) ? dir : Path.Combine(dir, "tokenizer");
            var tokenizer = ClipTokenizer.FromFolder(tokDir);
            string[] imagePaths = result.GetValue(images)!, captions = result.GetValue(texts)!;
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

    static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
