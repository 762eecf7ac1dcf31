using static TorchSharp.torch;

namespace Uip2p.Objectives;

/// <summary>The losses of one training step: the total to minimise and every named term (<see cref="LossNames"/>) for the logs.</summary>
public interface ILossTerms
{
    /// <summary>The scalar the step back-propagates.</summary>
    Tensor Total { get; }

    /// <summary>Every term by its log name, the total included.</summary>
    IReadOnlyDictionary<string, Tensor> Terms { get; }
}

/// <summary>Losses that are only named terms (the supervised objective, the pretraining stages).</summary>
public sealed record LossTerms(Tensor Total, IReadOnlyDictionary<string, Tensor> Terms) : ILossTerms
{
    /// <summary>A loss of one term, which is also the total.</summary>
    public static LossTerms Single(string name, Tensor loss) => new(loss, new Dictionary<string, Tensor> { [name] = loss });
}

/// <summary>
/// What a training loop optimises: a batch and the step's generator in (every random draw of the step comes from it,
/// so a resumed run repeats the step bit for bit), named loss terms out. The loop never asks which objective it runs.
/// </summary>
public interface ITrainingObjective<in TBatch>
{
    ILossTerms Loss(TBatch batch, Generator generator);
}
