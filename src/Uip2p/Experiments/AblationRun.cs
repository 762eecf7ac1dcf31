using Uip2p.Training;

namespace Uip2p.Experiments;

/// <summary>Where a run of an ablation stands, read from its folder.</summary>
public enum AblationRunState
{
    /// <summary>No checkpoint yet: trained from the start.</summary>
    New,
    /// <summary>A checkpoint but no exported model: interrupted, resumed from its latest checkpoint.</summary>
    Interrupted,
    /// <summary>The final model is exported: kept, never trained again.</summary>
    Finished,
}

/// <summary>One (variant, seed) of an ablation: its fully resolved training config and its folder <c>runs/&lt;Slug&gt;/</c>.</summary>
public sealed record AblationRun(AblationVariant Variant, int Seed, string Slug, TrainConfig Config)
{
    public string Folder(string ablation) => Path.Combine(ablation, "runs", Slug);

    /// <summary>The exported editor (the trainer renames it into place complete).</summary>
    public string ModelFolder(string ablation) => Path.Combine(Folder(ablation), "model");

    public AblationRunState State(string ablation) => RunCache.StateOf(Folder(ablation)) switch
    {
        RunState.Finished => AblationRunState.Finished,
        RunState.Resumable => AblationRunState.Interrupted,
        _ => AblationRunState.New,
    };

    /// <summary>"attention=0.5, seed 1".</summary>
    public string Label => $"{Variant.Name}, seed {Seed}";
}
