using System.Reflection;
using TorchSharp;
using Xunit.Sdk;

[assembly: Uip2p.Tests.TorchScope]

namespace Uip2p.Tests;

/// <summary>
/// Every test runs inside a TorchSharp dispose scope. TorchSharp tensors hold a raw native handle and a finalizer,
/// and its methods do not keep their receiver alive: in <c>(a - b).abs()</c> the temporary <c>a − b</c> is
/// unreachable while the native <c>abs</c> runs, and a garbage collection at that moment lets the finalizer thread
/// free the at::Tensor under it — a use-after-free that crashed the test host or corrupted a concurrent
/// computation (the "one-off NaN" of convolutions). A scope holds every tensor the test creates until the test
/// ends (<see cref="Runtime.FinalizerRaceTests"/> shows both sides of this).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class TorchScopeAttribute : BeforeAfterTestAttribute
{
    [ThreadStatic] static Stack<DisposeScope>? _scopes;

    public override void Before(MethodInfo methodUnderTest)
    {
        Uip2p.Runtime.TorchRuntime.EnsureLoaded();
        (_scopes ??= new()).Push(torch.NewDisposeScope());
    }

    /// <summary>Runs <paramref name="make"/> for a cache shared by tests: what it creates outlives the current test's scope.</summary>
    public static T Shared<T>(Func<T> make)
    {
        using var scope = torch.NewDisposeScope();
        var result = make();
        scope.Detach(scope.DisposablesView.ToList());
        return result;
    }

    public override void After(MethodInfo methodUnderTest)
    {
        if (_scopes is { Count: > 0 }) _scopes.Pop().Dispose();
    }
}
