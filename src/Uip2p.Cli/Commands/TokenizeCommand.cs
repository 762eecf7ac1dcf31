using System.CommandLine;
using Uip2p.Text;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p tokenize --tokenizer DIR "text"</c>: ids and token strings, for quick checks.</summary>
static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "Tokenizer folder (vocab.json + merges.txt) or openai's bpe_simple_vocab_16e6.txt.gz.", Required = true };
        var pad = new Option<int?>("--pad-id") { Description = "Padding id (default: the folder's pad token, else <|endoftext|> = 49407 as SD1.x; 0 for openai's clip.tokenize)." };
        var all = new Option<bool>("--all") { Description = "Show every position up to the context length, padding included." };
        var texts = new Argument<string[]>("text") { Description = "Texts to tokenize.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("tokenize", "Tokenize texts with a CLIP tokenizer: prints ids and token strings per position, and whether the text was truncated.")
        {
            tokenizer, pad, all, texts,
        };
        command.SetAction(result =>
        {
            string path = result.GetValue(tokenizer)!;
            if (path.EndsWith(".gz", StringComparison.Ordinal)) Check.ExistingFile("--tokenizer", path);
            else Check.ExistingFolder("--tokenizer", path);
            var tok = path.EndsWith(".gz", StringComparison.Ordinal)
                ? ClipTokenizer.FromOpenAiBpe(path, result.GetValue(pad))
                : ClipTokenizer.FromFolder(path, result.GetValue(pad));
            foreach (string text in result.GetValue(texts)!)
            {
                var encoded = tok.Encode(text);
                var labels = tok.Labels(encoded);
                int shown = result.GetValue(all) ? encoded.Ids.Length : Math.Min(encoded.Ids.Length, encoded.Length + 1);
                Console.WriteLine($"text:      {text}");
                Console.WriteLine($"cleaned:   {ClipTextCleaner.Clean(text)}");
                Console.WriteLine($"ids:       [{string.Join(", ", encoded.Ids.Take(shown))}{(shown < encoded.Ids.Length ? ", …" : "")}]");
                Console.WriteLine($"tokens:    {string.Join(" | ", Enumerable.Range(0, shown).Select(i => tok.Token(encoded.Ids[i])))}");
                Console.WriteLine($"labels:    {string.Join(" | ", labels.Take(shown))}");
                Console.WriteLine($"length:    {encoded.Length} of {tok.ContextLength}{(encoded.Truncated ? " (TRUNCATED)" : "")}, pad id {tok.PadId}");
                Console.WriteLine();
            }
            return 0;
        });
        return command;
    }
}
