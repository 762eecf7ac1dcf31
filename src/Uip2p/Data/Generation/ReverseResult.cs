namespace Uip2p.Data.Generation;

/// <summary>
/// What the offline generator made of one forward edit: the reverse instruction and the rule that gave it,
/// or, when no rule can invert it safely, <see cref="Reverse"/> null and the reason.
/// </summary>
public sealed record ReverseResult(string? Reverse, string Pattern, string? Reason = null)
{
    public bool Inverted => Reverse != null;

    public static ReverseResult Cannot(string pattern, string reason) => new(null, pattern, reason);
}
