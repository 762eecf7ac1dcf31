using TorchSharp;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>Learning-rate schedules as pure functions of the step.</summary>
public static class LearningRate
{
    /// <summary>Linear warm-up to <paramref name="peak"/> over <paramref name="warmup"/> steps, then cosine decay to <c>peak·floor</c> at <paramref name="total"/>.</summary>
    public static double WarmupCosine(int step, int total, double peak, int warmup = 0, double floor = 0.05)
    {
        if (step < warmup) return peak * (step + 1) / warmup;
        double progress = Math.Clamp((step - warmup) / (double)Math.Max(1, total - warmup), 0, 1);
        return peak * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    public static void Set(optim.Optimizer optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
    }
}
