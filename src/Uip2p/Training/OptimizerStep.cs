using TorchSharp;
using Uip2p.Objectives;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>What one optimiser step reports: each term's mean over the micro-batches and the gradient norm before clipping.</summary>
public sealed record StepOutcome(Dictionary<string, double> Terms, double GradNorm);

/// <summary>
/// The body of every training loop in the workbench (editing runs and the world's pretraining stages): zero the
/// gradients, back-propagate each micro-batch's total (divided by their count), clip the gradient norm, step the
/// optimiser. LibTorch 2.10's CPU convolutions (oneDNN) now and then return NaN for one call in a fresh process with
/// nothing wrong in the model (seen in the VAE decoder's backward inside CEC, and earlier in the UNet's), so a step
/// whose losses or gradients are not finite is computed again with the same draws and data; only a NaN that repeats
/// stops the run (<see cref="NonFiniteGuard"/>). A clean recomputation is bit-identical, so resumed runs still match.
/// </summary>
public static class OptimizerStep
{
    /// <summary>
    /// Runs step <paramref name="step"/> (0-based). <paramref name="loss"/> computes micro-batch <c>micro</c>'s losses and
    /// names its records (for the error); <paramref name="beforeAttempt"/> rewinds whatever the micro-batches advance
    /// (a data position) before each attempt; <paramref name="retrying"/> hears of a recomputation.
    /// </summary>
    public static StepOutcome Run(optim.Optimizer optimizer, IEnumerable<TorchSharp.Modules.Parameter> parameters, int step, int microBatches, double maxGradNorm,
        Func<int, (ILossTerms Losses, IReadOnlyList<string> Ids)> loss, string? lastCheckpoint, Action? beforeAttempt = null, Action<string>? retrying = null)
    {
        var parameterList = parameters.ToList();
        for (int attempt = 1; ; attempt++)
        {
            optimizer.zero_grad();
            beforeAttempt?.Invoke();
            var sums = new Dictionary<string, double>();
            double norm = 0;
            (string Term, double Value, IReadOnlyList<string> Ids)? bad = null;
            for (int micro = 0; micro < microBatches && bad is null; micro++)
            {
                var (losses, ids) = loss(micro);
                var values = losses.Terms.ToDictionary(kv => kv.Key, kv => (double)kv.Value.detach().item<float>());
                if (values.FirstOrDefault(kv => !double.IsFinite(kv.Value)) is { Key: not null } nan)
                {
                    bad = (nan.Key, nan.Value, ids);
                    break;
                }
                (losses.Total / microBatches).backward();
                foreach (var (k, v) in values) sums[k] = sums.GetValueOrDefault(k) + v / microBatches;
                if (micro == microBatches - 1)
                {
                    norm = nn.utils.clip_grad_norm_(parameterList, maxGradNorm);
                    if (!double.IsFinite(norm)) bad = ("gradient norm", norm, ids);
                }
            }
            if (bad is null)
            {
                optimizer.step();
                return new StepOutcome(sums, norm);
            }
            if (attempt == 3)
                NonFiniteGuard.Check(step + 1, new Dictionary<string, double> { [bad.Value.Term] = bad.Value.Value }, bad.Value.Ids, lastCheckpoint);
            retrying?.Invoke($"{bad.Value.Term} not finite in step {step + 1}; computing it again (attempt {attempt + 1} of 3)");
        }
    }
}
