using Uip2p.Training;
using Uip2p.World;

namespace Uip2p.Experiments;

/// <summary>
/// The world editors the notebooks compare, each trained once from the shipped start on the same generated
/// scenes and kept in <see cref="Folder"/>: UIP2P (CEC, no ground truth), supervised InstructPix2Pix on clean
/// ground truth, and supervised on Prompt-to-Prompt-biased ground truth (the paper's Fig. 2 failure: background
/// and other objects change with the edit). A second call with the same sizes reuses the trained models; an
/// interrupted training resumes.
/// </summary>
public sealed record EditorSet
{
    /// <summary>Pretrained world components (the shipped <c>data/world</c>).</summary>
    public required string Components { get; init; }
    /// <summary>Where the data and runs are kept.</summary>
    public required string Folder { get; init; }
    public int Records { get; init; } = 800;
    public int CecSteps { get; init; } = 400;
    public int SupervisedSteps { get; init; } = 800;
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 1e-4;
    public int Seed { get; init; }
    /// <summary>Probability of each Prompt-to-Prompt bias in the biased ground truth.</summary>
    public double Bias { get; init; } = 0.5;

    /// <summary>Called with each trainer's progress (a notebook shows a line, the CLI a bar).</summary>
    public Action<string, TrainProgress>? Progress { get; init; }

    public const string Uip2pName = "UIP2P", CleanName = "supervised (clean GT)", BiasedName = "IP2P (biased GT)";

    /// <summary>The CEC-trained editor's model folder (trained now if it is not kept yet).</summary>
    public string Uip2p() => Ensure("uip2p", TrainMethod.Cec, CecSteps, biased: false);

    /// <summary>The editor trained with InstructPix2Pix's supervised loss on clean ground truth.</summary>
    public string SupervisedClean() => Ensure("supervised-clean", TrainMethod.Supervised, SupervisedSteps, biased: false);

    /// <summary>The editor trained with the supervised loss on biased ground truth, as IP2P's generated data is.</summary>
    public string SupervisedBiased() => Ensure("supervised-biased", TrainMethod.Supervised, SupervisedSteps, biased: true);

    /// <summary>A UIP2P variant (other λ's or CEC options), trained like <see cref="Uip2p"/> into runs/<paramref name="name"/>.</summary>
    public string CecVariant(string name, Cec.CecOptions options) => Ensure(name, TrainMethod.Cec, CecSteps, biased: false, options);

    /// <summary>Name → model folder of all three, in the order above.</summary>
    public IReadOnlyList<(string Name, string Model)> All() =>
        [(Uip2pName, Uip2p()), (CleanName, SupervisedClean()), (BiasedName, SupervisedBiased())];

    string Ensure(string name, TrainMethod method, int steps, bool biased, Cec.CecOptions? cec = null)
    {
        string data = Dataset(biased);
        var config = new TrainConfig
        {
            Method = method, Components = Path.GetFullPath(Components), Data = data, Steps = steps, BatchSize = BatchSize,
            LearningRate = LearningRate, WarmupSteps = Math.Min(20, Math.Max(1, steps / 5)), Seed = Seed,
            ValidateEvery = Math.Max(1, steps / 2), ValidationBatches = 1, SampleEvery = steps, CheckpointEvery = Math.Max(1, Math.Min(100, steps)),
            KeepCheckpoints = 1, TensorBoard = false, Cec = cec ?? new Cec.CecOptions(),
        };
        return RunCache.Ensure(config, Path.Combine(Folder, "runs", name), p => Progress?.Invoke(name, p));
    }

    /// <summary>The training scenes (same seed for both, so the two datasets differ only in their ground truth).</summary>
    string Dataset(bool biased) =>
        WorldDataset.Ensure(Path.GetFullPath(Path.Combine(Folder, "data", biased ? "biased" : "clean")), Records, Seed + 1, biased ? BiasOptions.Uniform(Bias) : null).Folder;
}
