using Uip2p.Checkpoints;
using Uip2p.Models.Clip;

namespace Uip2p.Tests.Parity;

/// <summary>Real-layout model folders made from the oracle fixtures, for loader, CLI and bad-input tests.</summary>
static class ClipFolders
{
    public static string TinyFixtureDir => Path.Combine(TestPaths.Oracle, "clip-tiny");

    /// <summary>A transformers CLIPModel folder with the clip-tiny weights and the real CLIP tokenizer files.</summary>
    public static string WriteTinyClipModel(string folder)
    {
        var model = new ClipModel(ClipParityTests.ConfigOf(OracleFixture.At(TinyFixtureDir)));
        ClipCheckpoints.Load(model, SafetensorsFile.Load(Path.Combine(TinyFixtureDir, "weights_hf.safetensors")), "weights_hf");
        ClipCheckpoints.SaveModel(model, folder);
        foreach (string f in new[] { "vocab.json", "merges.txt" })
            File.Copy(Path.Combine(TestPaths.Oracle, "clip-tokenizer", f), Path.Combine(folder, f));
        return folder;
    }
}
