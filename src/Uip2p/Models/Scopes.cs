using TorchSharp;
using static TorchSharp.torch;

namespace Uip2p.Models;

/// <summary>
/// Dispose scopes for forward passes. With gradients off a forward frees its intermediates as soon as it
/// returns; with gradients on they belong to the caller's scope (one per training step), which is
/// disposed after the backward pass — so memory is given back at one predictable point per step.
/// </summary>
public static class Scopes
{
    /// <summary>A dispose scope when gradients are disabled, else none.</summary>
    public static DisposeScope? ForInference() => is_grad_enabled() ? null : NewDisposeScope();

    /// <summary>Moves <paramref name="result"/> out of <paramref name="scope"/> (if any) so it outlives it.</summary>
    public static Tensor Keep(this DisposeScope? scope, Tensor result) => scope is null ? result : result.MoveToOuterDisposeScope();
}
