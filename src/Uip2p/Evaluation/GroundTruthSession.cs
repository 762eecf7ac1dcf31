namespace Uip2p.Evaluation;

/// <summary>
/// The ground truth of one editing session: for each turn k = 1..T the image the edit starts from
/// (<see cref="Inputs"/>; turn 1's is the session's input) and its ground-truth result (<see cref="Outputs"/>;
/// null for a record that has none, as CEC data has: its turn is edited and scored by the metrics that need no
/// ground truth), with the instructions when known (needed to edit, not to score).
/// </summary>
public sealed record GroundTruthSession(string Id, IReadOnlyList<string> Inputs, IReadOnlyList<string?> Outputs)
{
    public IReadOnlyList<string>? Instructions { get; init; }
}
