using Uip2p.World.Pretraining;
using Uip2p.Training;
using Uip2p.World;

namespace Uip2p.Tests.Training;

/// <summary>
/// World components pretrained for a few steps (the real pretraining code and model sizes) and a small
/// world dataset, made once per test run and shared read-only by the training tests.
/// </summary>
static class TinyWorld
{
    static readonly Lazy<string> Root = new(() =>
    {
        string root = Directory.CreateTempSubdirectory("uip2p-tinyworld-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        };
        var config = new PretrainConfig
        {
            Scenes = 48, VaeSteps = 3, VaeBatch = 4, ClipSteps = 3, ClipBatch = 8, UnetSteps = 3, UnetBatch = 4, EditorSteps = 3, EditorBatch = 4, CheckpointEvery = 100,
        };
        new WorldPretraining(config, Path.Combine(root, "components")).Run();
        WorldDataset.Write(Path.Combine(root, "data"), 24, seed: 3);
        return root;
    });

    public static string Components => Path.Combine(Root.Value, "components");
    public static string Data => Path.Combine(Root.Value, "data");

    /// <summary>A config for a short CPU run on the tiny world (paths absolute; overridable).</summary>
    public static TrainConfig Config(TrainMethod method = TrainMethod.Cec, int steps = 6) => new()
    {
        Method = method, Components = Components, Data = Data, Steps = steps, BatchSize = 2, LearningRate = 1e-3, WarmupSteps = 1,
        ValidateEvery = 3, ValidationBatches = 1, SampleEvery = 100, SampleCount = 2, SampleSteps = 2, CheckpointEvery = 2, TensorBoard = true,
    };
}
