using Uip2p.Training;

namespace Uip2p.Experiments;

/// <summary>
/// Train-once semantics for experiments that reuse runs (notebooks, ablations): a run folder whose model was
/// exported under the same settings is kept; one with a checkpoint resumes; otherwise it is trained. A folder
/// trained under other settings is never overwritten — that is an error naming it.
/// </summary>
public static class RunCache
{
    /// <summary>The model folder of the run in <paramref name="folder"/>, trained or resumed as needed.</summary>
    public static string Ensure(TrainConfig config, string folder, Action<TrainProgress>? progress = null, CancellationToken stop = default)
    {
        var state = Inspect(config, folder);
        if (state == RunState.Finished) return Path.Combine(folder, "model");
        var trainer = new Trainer(config, folder) { Progress = progress };
        var result = trainer.Run(resume: state == RunState.Resumable, stop);
        if (result.Interrupted) throw new OperationCanceledException($"{folder}: interrupted after step {result.Steps}; the next call resumes it.");
        return result.ModelFolder;
    }

    /// <summary>What <see cref="Ensure"/> would do with <paramref name="folder"/>.</summary>
    public static RunState Inspect(TrainConfig config, string folder)
    {
        string saved = Path.Combine(folder, "config.json");
        if (!File.Exists(saved)) return RunState.New;
        var changed = Trainer.ChangedKeys(saved, config);
        if (changed.Count > 0)
            throw new InvalidOperationException(
                $"{folder} holds a run with other settings ({string.Join(", ", changed.Select(k => $"'{k}'"))}); delete it or choose another folder.");
        return StateOf(folder);
    }

    /// <summary>Where the run in <paramref name="folder"/> stands, from its files alone (no settings compared).</summary>
    public static RunState StateOf(string folder)
    {
        // The trainer renames a complete export into model/ after the last step.
        if (File.Exists(Path.Combine(folder, "model", "model_index.json"))) return RunState.Finished;
        return new CheckpointStore(Path.Combine(folder, "checkpoints")).Latest != null ? RunState.Resumable : RunState.New;
    }
}

/// <summary>Where a cached run stands.</summary>
public enum RunState { New, Resumable, Finished }
