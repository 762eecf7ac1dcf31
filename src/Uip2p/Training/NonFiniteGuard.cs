namespace Uip2p.Training;

/// <summary>A NaN or infinite loss: the run stops here, naming the step, the batch's records and the term.</summary>
public sealed class NonFiniteLossException(int step, string term, double value, IReadOnlyList<string> ids, string? lastCheckpoint)
    : InvalidOperationException(
        $"step {step}: {term} is {(double.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf")} for the batch [{string.Join(", ", ids)}]; training stopped. " +
        (lastCheckpoint is null ? "No checkpoint was written before it." : $"The last good checkpoint ({lastCheckpoint}) is intact; resume from it with a lower learning rate or other loss weights."))
{
    public int Step { get; } = step;
    public string Term { get; } = term;
    public IReadOnlyList<string> Ids { get; } = ids;
}

/// <summary>Checks each loss term of a step before anything is updated or written.</summary>
public static class NonFiniteGuard
{
    /// <summary>Throws <see cref="NonFiniteLossException"/> for the first non-finite term (in the order given).</summary>
    public static void Check(int step, IReadOnlyDictionary<string, double> terms, IReadOnlyList<string> ids, string? lastCheckpoint)
    {
        foreach (var (term, value) in terms)
            if (!double.IsFinite(value)) throw new NonFiniteLossException(step, term, value, ids, lastCheckpoint);
    }
}
